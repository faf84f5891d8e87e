#pragma once
// defines: ValidationOptions, ValidationReport and validate: a model on a
// dataset split as ultralytics' DetectionValidator does it: letterboxed
// batches, Detect's eval output, NMS, predictions and labels compared in
// the original image's pixels, ultralytics' metrics.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/eval/detection_metrics.h"
#include "engine/eval/nms.h"
#include "engine/graph/model.h"
#include "engine/loss/detection_loss.h"

namespace yolo {

struct ValidationOptions {
  std::int32_t batch = 16;
  int workers = 2;
  NmsOptions nms = NmsOptions::validation();
  bool keep_detections = false;  // fill ValidationReport::detections (--save-json)
  bool rect = true;              // ultralytics' rectangular batches (DataLoader's LoaderOptions::rect)
  // During training: also the detection loss of each batch (ultralytics'
  // val/box_loss, val/cls_loss, val/dfl_loss) with these gains.
  std::optional<DetectionLossOptions> loss;
  // When set: the first plot_batches batches drawn there, with their labels
  // (val_batchK_labels.jpg) and their predictions of confidence >= 0.25
  // (val_batchK_pred.jpg), as ultralytics' final validation.
  std::filesystem::path plot_dir;
  int plot_batches = 3;
  std::vector<std::string> names;  // class names for the pictures
};

struct ValidationReport {
  DetectionMetricsResult metrics;
  std::optional<ConfusionMatrix> confusion;  // ultralytics' (conf 0.25, IoU 0.45)
  // Milliseconds per image: waiting for the batch, the forward pass, NMS
  // and moving the detections back to the original image.
  double preprocess_ms = 0, inference_ms = 0, postprocess_ms = 0;
  // With keep_detections: per dataset image, its detections in its own pixels.
  std::vector<std::vector<PredictedBox>> detections;
  // With options.loss: box, cls and dfl loss items, the mean over batches.
  std::optional<std::array<double, 3>> losses;
};

// The model is switched to eval mode. The split's store must have been
// opened at the size to validate at (its imgsz).
ValidationReport validate(const Context& ctx, Model& model, const Dataset& split, const ValidationOptions& options);

}  // namespace yolo
