#include "engine/eval/predictor.h"

#include <algorithm>
#include <chrono>

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
  const ImageView image{bgr, width, height, step};
  return std::move(predict(std::span<const ImageView>(&image, 1), times)[0]);
}

std::vector<std::vector<PredictedBox>> Predictor::predict(std::span<const ImageView> images, PredictionTimes* times) {
  YOLO_CHECK(!images.empty(), "predict: no images");
  auto start = Clock::now();
  // As the training data: long side to imgsz (INTER_LINEAR), words of BGRx.
  std::vector<DecodedImage> words;
  std::vector<ImageExtent> originals, resized;
  for (const ImageView& v : images) {
    YOLO_CHECK(v.bgr != nullptr && v.width > 0 && v.height > 0, "predict: an empty image");
    originals.push_back({v.width, v.height});
    resized.push_back(resized_extent(originals.back(), imgsz_));
    words.push_back(to_bgrx(v.bgr, v.width, v.height, v.step, resized.back()));
  }
  // ultralytics' LetterBox: auto (pad only to the next stride multiple) when
  // every image has the same size, otherwise the imgsz square.
  const bool same = std::all_of(resized.begin(), resized.end(), [&](const ImageExtent& e) {
    return e.width == resized[0].width && e.height == resized[0].height;
  });
  const std::int32_t out_w = same ? round_up(resized[0].width, kStride) : imgsz_;
  const std::int32_t out_h = same ? round_up(resized[0].height, kStride) : imgsz_;
  std::vector<HostImage> sources;
  std::vector<SampleGeometry> geometries;
  for (std::size_t i = 0; i < images.size(); ++i) {
    sources.push_back(HostImage{words[i].pixels.data(), words[i].width, words[i].height});
    const auto slot = static_cast<std::int32_t>(i);
    geometries.push_back(
        sample_geometry(plan_letterbox(0, resized[i], out_w, out_h), std::span<const std::int32_t>(&slot, 1)));
  }
  const auto batch = static_cast<std::int64_t>(images.size());
  Tensor input = ctx_.empty({batch, out_h, out_w, 3}, DType::f32);
  build_batch(ctx_, sources, geometries, input);
  if (times) times->preprocess_ms += ms_since(start);

  start = Clock::now();
  const Tensors outputs = model_.forward(ctx_, input);
  ctx_.synchronize();
  if (times) times->inference_ms += ms_since(start);

  start = Clock::now();
  const Detections found = non_max_suppression(ctx_, outputs[0], nms_);
  const Tensor boxes = to_host(ctx_, found.boxes), scores = to_host(ctx_, found.scores);
  const Tensor classes = to_host(ctx_, found.classes), counts = to_host(ctx_, found.counts);
  std::vector<std::vector<PredictedBox>> out(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::int32_t d = 0; d < counts.data<std::int32_t>()[i]; ++d) {
      const std::int64_t r = static_cast<std::int64_t>(i) * nms_.max_det + d;
      const auto b = letterbox_to_original(boxes.data<float>() + r * 4, resized[i], originals[i], out_w, out_h);
      out[i].push_back(PredictedBox{{b[0], b[1], b[2], b[3]}, scores.data<float>()[r], classes.data<std::int32_t>()[r]});
    }
  }
  if (times) times->nms_ms += ms_since(start);
  return out;
}

}  // namespace yolo
