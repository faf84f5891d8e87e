#include "engine/eval/predictor.h"

#include <chrono>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/data/augment.h"
#include "engine/data/batch_builder.h"
#include "engine/data/image_store.h"

namespace yolo {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The largest stride of YOLOv8/v9's heads: the input must be a multiple of it.
constexpr std::int32_t kStride = 32;

std::int32_t round_up(std::int32_t v, std::int32_t m) { return (v + m - 1) / m * m; }

}  // namespace

Predictor::Predictor(const Context& ctx, Model& model, std::int32_t imgsz, NmsOptions nms)
    : ctx_(ctx), model_(model), imgsz_(imgsz), nms_(std::move(nms)) {
  YOLO_CHECK(imgsz > 0 && imgsz % kStride == 0, "--img {} must be a positive multiple of {}", imgsz, kStride);
  model_.train(false);
}

std::vector<PredictedBox> Predictor::predict(const std::uint8_t* bgr, std::int32_t width, std::int32_t height,
                                             std::int64_t step, PredictionTimes* times) {
  YOLO_CHECK(bgr != nullptr && width > 0 && height > 0, "predict: an empty image");
  auto start = Clock::now();
  // As the training data: long side to imgsz (INTER_LINEAR), words of BGRx.
  const ImageExtent original{width, height}, resized = resized_extent(original, imgsz_);
  const cv::Mat source(height, width, CV_8UC3, const_cast<std::uint8_t*>(bgr), static_cast<std::size_t>(step));
  cv::Mat scaled, words;
  if (resized.width != width || resized.height != height) {
    cv::resize(source, scaled, cv::Size(resized.width, resized.height), 0, 0, cv::INTER_LINEAR);
  } else {
    scaled = source;
  }
  cv::cvtColor(scaled, words, cv::COLOR_BGR2BGRA);
  // ultralytics' LetterBox(auto=True): pad only up to the next multiple of the stride.
  const std::int32_t out_w = round_up(resized.width, kStride), out_h = round_up(resized.height, kStride);
  const SamplePlan plan = plan_letterbox(0, resized, out_w, out_h);
  const std::int32_t slot = 0;
  const SampleGeometry geometry = sample_geometry(plan, std::span<const std::int32_t>(&slot, 1));
  const HostImage image{words.ptr<std::uint32_t>(), words.cols, words.rows};
  Tensor input = ctx_.empty({1, out_h, out_w, 3}, DType::f32);
  build_batch(ctx_, std::span<const HostImage>(&image, 1), std::span<const SampleGeometry>(&geometry, 1), input);
  if (times) times->preprocess_ms += ms_since(start);

  start = Clock::now();
  const Tensors outputs = model_.forward(ctx_, input);
  ctx_.synchronize();
  if (times) times->inference_ms += ms_since(start);

  start = Clock::now();
  const Detections found = non_max_suppression(ctx_, outputs[0], nms_);
  const Tensor boxes = to_host(ctx_, found.boxes), scores = to_host(ctx_, found.scores);
  const Tensor classes = to_host(ctx_, found.classes), counts = to_host(ctx_, found.counts);
  std::vector<PredictedBox> out;
  for (std::int32_t d = 0; d < counts.data<std::int32_t>()[0]; ++d) {
    const auto b = letterbox_to_original(boxes.data<float>() + d * 4, resized, original, out_w, out_h);
    out.push_back(PredictedBox{{b[0], b[1], b[2], b[3]}, scores.data<float>()[d], classes.data<std::int32_t>()[d]});
  }
  if (times) times->nms_ms += ms_since(start);
  return out;
}

}  // namespace yolo
