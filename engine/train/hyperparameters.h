#pragma once
// defines: Hyperparameters (ultralytics' default.yaml values unless a hyp
// file says otherwise) and load_hyperparameters (YOLOv5/YOLOv9 hyp YAMLs).
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/augment.h"

namespace yolo {

struct Hyperparameters {
  double lr0 = 0.01, lrf = 0.01, momentum = 0.937, weight_decay = 0.0005;
  double warmup_epochs = 3.0, warmup_momentum = 0.8, warmup_bias_lr = 0.1;
  double box = 7.5, cls = 0.5, dfl = 1.5;
  AugmentOptions augment;  // hsv_*, degrees, translate, scale, shear, perspective, flips, mosaic
  double mixup = 0.0, copy_paste = 0.0;
  double nbs = 64;  // nominal batch size: gradients accumulate up to it
  // Keys read but without effect here, for the caller to report once:
  // YOLOv5's anchor-based loss settings, and augmentations not built yet.
  std::vector<std::string> ignored;
};

// Defaults overridden by the file's keys. An unknown key, a non-number or a
// value out of range is a clear error naming the file and the key.
Hyperparameters load_hyperparameters(const std::filesystem::path& path);

}  // namespace yolo
