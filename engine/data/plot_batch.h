#pragma once
// defines: plot_batch, the train_batch0.jpg-style picture of a batch: its
// images in a grid with their boxes and class names drawn (ultralytics'
// plot_images), for checking what the model is actually trained on.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/data/label_box.h"

namespace yolo {

// images: (B, H, W, 3) f32 RGB in [0, 1] in host memory; labels[b] in the
// pixels of image b. At most `max_images` are drawn, the grid scaled to at
// most 1920 px wide. Written as JPEG (temp file, then renamed). scores
// (predictions, val_batch*_pred.jpg): scores[b][j] is written after the name.
void plot_batch(const std::filesystem::path& file, const Tensor& images,
                const std::vector<std::vector<PixelBox>>& labels, const std::vector<std::string>& names,
                int max_images = 16, const std::vector<std::vector<float>>* scores = nullptr);

}  // namespace yolo
