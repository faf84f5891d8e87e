#include "engine/eval/validator.h"

#include <algorithm>
#include <chrono>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/data/loader.h"
#include "engine/data/plot_batch.h"
#include "engine/graph/modules/detect.h"
#include "engine/loss/batch_targets.h"

namespace yolo {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The image's labels in its own pixels: (xc +/- w/2) * width, likewise y.
std::vector<TargetBox> targets_of(const std::vector<LabelBox>& labels, ImageExtent original) {
  std::vector<TargetBox> out;
  const float w = static_cast<float>(original.width), h = static_cast<float>(original.height);
  for (const LabelBox& b : labels) {
    out.push_back(TargetBox{{(b.xc - b.w / 2) * w, (b.yc - b.h / 2) * h, (b.xc + b.w / 2) * w, (b.yc + b.h / 2) * h},
                            b.cls});
  }
  return out;
}

// val_batchK_labels.jpg and val_batchK_pred.jpg: the batch as the model
// saw it, with its labels and with its detections of confidence >= 0.25.
void plot_validation_batch(const Context& ctx, const ValidationOptions& options, std::int64_t k, const Batch& batch,
                           const Tensor& boxes, const Tensor& scores, const Tensor& classes, const Tensor& counts,
                           std::int32_t max_det) {
  const Tensor pixels = to_host(ctx, batch.images);
  std::vector<std::vector<PixelBox>> predicted(batch.labels.size());
  std::vector<std::vector<float>> confidence(batch.labels.size());
  for (std::size_t i = 0; i < batch.labels.size(); ++i) {
    for (std::int32_t d = 0; d < counts.data<std::int32_t>()[i]; ++d) {
      const std::int64_t r = static_cast<std::int64_t>(i) * max_det + d;
      const float score = scores.data<float>()[r];
      if (score < 0.25f) continue;
      const float* b = boxes.data<float>() + r * 4;
      predicted[i].push_back(PixelBox{classes.data<std::int32_t>()[r], b[0], b[1], b[2], b[3]});
      confidence[i].push_back(score);
    }
  }
  plot_batch(options.plot_dir / fmt::format("val_batch{}_labels.jpg", k), pixels, batch.labels, options.names);
  plot_batch(options.plot_dir / fmt::format("val_batch{}_pred.jpg", k), pixels, predicted, options.names, 16,
             &confidence);
}

}  // namespace

ValidationReport validate(const Context& ctx, Model& model, const Dataset& split, const ValidationOptions& options) {
  const ImageStore& store = *split.store;
  const std::int32_t imgsz = store.imgsz();
  YOLO_CHECK(imgsz % 32 == 0, "validation size {} must be a multiple of 32 (the largest stride)", imgsz);
  model.train(false);
  LoaderOptions lo;
  lo.batch = options.batch, lo.workers = options.workers, lo.augment = false, lo.shuffle = false;
  lo.rect = options.rect;
  lo.device = ctx.device();
  DataLoader loader(store, split.labels, lo);
  loader.start_epoch(0);
  DetectionMetrics metrics(model.config().nc);
  ValidationReport report;
  if (options.keep_detections) report.detections.resize(static_cast<std::size_t>(store.size()));
  std::int64_t images = 0, batches = 0;
  // Validation losses need Detect's training outputs beside its decoded boxes.
  struct EvalLevels {
    Detect& head;
    explicit EvalLevels(Detect& h, bool keep) : head(h) { head.set_eval_levels(keep); }
    ~EvalLevels() { head.set_eval_levels(false); }
  } eval_levels(model.head(), options.loss.has_value());
  std::array<double, 3> loss_sums = {0, 0, 0};
  for (;;) {
    auto start = Clock::now();
    std::optional<Batch> batch = loader.next(ctx);
    if (!batch) break;
    report.preprocess_ms += ms_since(start);
    start = Clock::now();
    const Tensors outputs = model.forward(ctx, batch->images);
    ctx.synchronize();
    report.inference_ms += ms_since(start);
    if (options.loss) {
      std::vector<Tensor> grads;  // not used: validation only reads the loss
      const Tensor items = to_host(ctx, head_loss(ctx, Tensors(outputs.begin() + 1, outputs.end()), model.strides(),
                                                  batch_targets(ctx, batch->labels), *options.loss, grads));
      for (int k = 0; k < 3; ++k) loss_sums[static_cast<std::size_t>(k)] += items.data<float>()[k];
    }
    ++batches;
    start = Clock::now();
    const Detections found = non_max_suppression(ctx, outputs[0], options.nms);
    const Tensor boxes = to_host(ctx, found.boxes), scores = to_host(ctx, found.scores);
    const Tensor classes = to_host(ctx, found.classes), counts = to_host(ctx, found.counts);
    const std::int32_t max_det = options.nms.max_det;
    if (!options.plot_dir.empty() && batches <= options.plot_batches) {
      plot_validation_batch(ctx, options, batches - 1, *batch, boxes, scores, classes, counts, max_det);
    }
    for (std::size_t i = 0; i < batch->indices.size(); ++i) {
      const std::int64_t index = batch->indices[i];
      const CheckedImage& checked = split.checked.images[static_cast<std::size_t>(index)];
      const ImageExtent original{checked.width, checked.height};
      std::vector<PredictedBox> predictions;
      for (std::int32_t d = 0; d < counts.data<std::int32_t>()[i]; ++d) {
        const std::int64_t r = static_cast<std::int64_t>(i) * max_det + d;
        const auto out_h = static_cast<std::int32_t>(batch->images.dim(1));
        const auto out_w = static_cast<std::int32_t>(batch->images.dim(2));
        const auto b = letterbox_to_original(boxes.data<float>() + r * 4, store.extent(index), original, out_w, out_h);
        predictions.push_back(PredictedBox{{b[0], b[1], b[2], b[3]}, scores.data<float>()[r], classes.data<std::int32_t>()[r]});
      }
      metrics.add_image(predictions, targets_of(split.labels[static_cast<std::size_t>(index)], original));
      if (options.keep_detections) report.detections[static_cast<std::size_t>(index)] = std::move(predictions);
    }
    report.postprocess_ms += ms_since(start);
    images += static_cast<std::int64_t>(batch->indices.size());
  }
  const double per_image = 1.0 / static_cast<double>(std::max<std::int64_t>(images, 1));
  report.preprocess_ms *= per_image, report.inference_ms *= per_image, report.postprocess_ms *= per_image;
  report.metrics = metrics.compute();
  report.confusion = metrics.confusion_matrix();
  if (options.loss) {
    for (double& sum : loss_sums) sum /= static_cast<double>(std::max<std::int64_t>(batches, 1));
    report.losses = loss_sums;
  }
  return report;
}

}  // namespace yolo
