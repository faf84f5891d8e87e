#pragma once
// defines: Predictor, inference on single images as ultralytics' predict
// does it: resize to long side imgsz, letterbox to the smallest multiple of
// the stride (32), Detect's eval output, NMS, boxes mapped back to the
// image; PredictionTimes.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/eval/box_matching.h"
#include "engine/eval/nms.h"
#include "engine/graph/model.h"

namespace yolo {

struct PredictionTimes {
  double preprocess_ms = 0, inference_ms = 0, nms_ms = 0;
};

class Predictor {
 public:
  // The model is switched to eval mode and must outlive the predictor.
  Predictor(const Context& ctx, Model& model, std::int32_t imgsz, NmsOptions nms);

  // image: BGR bytes, `step` bytes per row. Detections in its pixels, by score.
  std::vector<PredictedBox> predict(const std::uint8_t* bgr, std::int32_t width, std::int32_t height,
                                    std::int64_t step, PredictionTimes* times = nullptr);

  // A batch in one forward pass. As ultralytics: images of one size are
  // letterboxed to the next stride multiple, mixed sizes to imgsz x imgsz.
  // times are summed over the batch.
  struct ImageView {
    const std::uint8_t* bgr;
    std::int32_t width, height;
    std::int64_t step;
  };
  std::vector<std::vector<PredictedBox>> predict(std::span<const ImageView> images, PredictionTimes* times = nullptr);

 private:
  const Context& ctx_;
  Model& model_;
  std::int32_t imgsz_;
  NmsOptions nms_;
};

}  // namespace yolo
