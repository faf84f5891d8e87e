#include "engine/loss/batch_targets.h"

#include <algorithm>

#include "engine/core/copy.h"
#include "engine/core/error.h"

namespace yolo {

DetectionTargets batch_targets(const Context& ctx, const std::vector<std::vector<PixelBox>>& labels) {
  std::size_t m = 0;
  for (const auto& image : labels) m = std::max(m, image.size());
  const auto B = static_cast<std::int64_t>(labels.size()), M = static_cast<std::int64_t>(m);
  const Context host;
  Tensor boxes = host.zeros({B, M, 4}, DType::f32), classes = host.zeros({B, M}, DType::i32);
  Tensor valid = host.zeros({B, M}, DType::u8);
  for (std::int64_t b = 0; b < B; ++b) {
    const std::vector<PixelBox>& image = labels[static_cast<std::size_t>(b)];
    for (std::size_t j = 0; j < image.size(); ++j) {
      const PixelBox& p = image[j];
      const std::int64_t k = b * M + static_cast<std::int64_t>(j);
      float* box = boxes.data<float>() + k * 4;
      box[0] = p.x1, box[1] = p.y1, box[2] = p.x2, box[3] = p.y2;
      classes.data<std::int32_t>()[k] = p.cls;
      valid.data<std::uint8_t>()[k] = 1;
    }
  }
  return {to_device(ctx, boxes), to_device(ctx, classes), to_device(ctx, valid)};
}

Tensor head_loss(const Context& ctx, const std::vector<Tensor>& outputs, const std::vector<float>& strides,
                 const DetectionTargets& targets, const DetectionLossOptions& options, std::vector<Tensor>& grads) {
  const std::size_t levels = strides.size();
  YOLO_CHECK(outputs.size() == levels || outputs.size() == 2 * levels,
             "head loss: {} outputs for {} strides (one or two heads)", outputs.size(), levels);
  if (outputs.size() == levels) return detection_loss(ctx, outputs, strides, targets, options, grads);
  const auto middle = outputs.begin() + static_cast<std::ptrdiff_t>(levels);
  return dual_detection_loss(ctx, std::vector<Tensor>(outputs.begin(), middle), std::vector<Tensor>(middle, outputs.end()),
                             strides, targets, options, grads);
}

}  // namespace yolo
