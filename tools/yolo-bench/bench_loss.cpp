// The detection loss at YOLOv8's training shapes: batch 16, 640 px (8400
// anchors), 80 classes, 20 ground-truth boxes per image. "detection_loss"
// is the whole step (decode, assigner, BCE, box loss, DFL, gradients), the
// work tools/bench/loss_vs_torch.sh times through ultralytics
// ("detection_loss_yolov9": the same in the YOLOv9 repository's flavour); "assigner"
// is its Task-Aligned Assigner alone; "box_loss" the fused CIoU loss and its
// gradient over the positive anchors of 100 GTs per image (16 x 100 x 10
// top-k anchors), against ultralytics' bbox_iou with autograd.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <random>

#include "engine/core/copy.h"
#include "engine/loss/box_loss.h"
#include "engine/loss/detection_loss.h"
#include "engine/ops/elementwise.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

constexpr std::int64_t kBatch = 16, kSize = 640, kClasses = 80, kObjects = 20;
constexpr std::int64_t kPositives = kBatch * 100 * 10;  // box_loss: 100 GTs per image, top-k 10

// n boxes xyxy in [0, 640), sides 16-216 px, from a fixed stream.
Tensor random_boxes(const Context& ctx, std::int64_t n, std::uint32_t seed) {
  Context host;
  Tensor boxes = host.empty({n, 4}, DType::f32);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (std::int64_t i = 0; i < n; ++i) {
    const float w = 16 + 200 * u(rng), h = 16 + 200 * u(rng);
    const float x = (kSize - w) * u(rng), y = (kSize - h) * u(rng);
    float* b = boxes.data<float>() + 4 * i;
    b[0] = x, b[1] = y, b[2] = x + w, b[3] = y + h;
  }
  return to_device(ctx, boxes);
}

// kObjects boxes per image (random_boxes) with random classes, deterministic.
DetectionTargets make_targets(const Context& ctx) {
  Context host;
  Tensor labels = host.empty({kBatch, kObjects}, DType::i32), valid = host.empty({kBatch, kObjects}, DType::u8);
  std::mt19937 rng(8);
  for (std::int64_t i = 0; i < kBatch * kObjects; ++i) {
    labels.data<std::int32_t>()[i] = static_cast<std::int32_t>(rng() % kClasses);
    valid.data<std::uint8_t>()[i] = 1;
  }
  return {random_boxes(ctx, kBatch * kObjects, 7).view({kBatch, kObjects, 4}), to_device(ctx, labels),
          to_device(ctx, valid)};
}

}  // namespace

void register_loss_benchmarks(const BenchContexts& contexts) {
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (const LossFlavour flavour : {LossFlavour::ultralytics, LossFlavour::yolov9}) {
      const char* name = flavour == LossFlavour::ultralytics ? "detection_loss" : "detection_loss_yolov9";
      benchmark::RegisterBenchmark(
          fmt::format("{}/b{}/{}px/{}/{}", name, kBatch, kSize, kClasses, ctx->device().str()).c_str(),
          [ctx, flavour](benchmark::State& state) {
            const std::vector<float> strides = {8, 16, 32};
            std::vector<Tensor> levels, grads;
            for (float s : strides) {
              const auto g = static_cast<std::int64_t>(kSize / s);
              levels.push_back(ctx->empty({kBatch, g, g, 64 + kClasses}, DType::f32));
              fill_uniform(*ctx, levels.back(), -3.0f, 3.0f);
            }
            const DetectionTargets targets = make_targets(*ctx);
            DetectionLossOptions options;
            options.flavour = flavour;
            for (auto _ : state) {
              Tensor r = detection_loss(*ctx, levels, strides, targets, options, grads);
              ctx->synchronize();
            }
          })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(
        fmt::format("assigner/b{}/{}px/{}/{}", kBatch, kSize, kClasses, ctx->device().str()).c_str(),
        [ctx](benchmark::State& state) {
          const std::int64_t A = 8400;
          Tensor scores = ctx->empty({kBatch, A, kClasses}, DType::f32), boxes = ctx->empty({kBatch, A, 4}, DType::f32);
          fill_uniform(*ctx, scores, 0.0f, 1.0f);
          fill_uniform(*ctx, boxes, 0.0f, 640.0f);
          Context host;
          Tensor anchors_h = host.empty({A, 2}, DType::f32);
          std::int64_t a = 0;
          for (float s : {8.0f, 16.0f, 32.0f})
            for (int y = 0; y < 640 / s; ++y)
              for (int x = 0; x < 640 / s; ++x, ++a) {
                anchors_h.data<float>()[2 * a] = (static_cast<float>(x) + 0.5f) * s;
                anchors_h.data<float>()[2 * a + 1] = (static_cast<float>(y) + 0.5f) * s;
              }
          const Tensor anchors = to_device(*ctx, anchors_h);
          const DetectionTargets t = make_targets(*ctx);
          for (auto _ : state) {
            const TaskAlignment r = task_aligned_assign(*ctx, scores, boxes, anchors, t.boxes, t.labels, t.valid);
            ctx->synchronize();
          }
        })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(
        fmt::format("box_loss/ciou/{}/{}", kPositives, ctx->device().str()).c_str(),
        [ctx](benchmark::State& state) {
          const Tensor pred = random_boxes(*ctx, kPositives, 11), target = random_boxes(*ctx, kPositives, 12);
          Tensor weight = ctx->empty({kPositives}, DType::f32);
          fill_uniform(*ctx, weight, 0.0f, 1.0f);
          Tensor loss = ctx->empty({kPositives}, DType::f32), grad = ctx->empty({kPositives, 4}, DType::f32);
          for (auto _ : state) {
            box_loss(*ctx, pred, target, weight, IouType::ciou, 640.0f, 640.0f, loss, grad);
            ctx->synchronize();
          }
        })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace yolo::bench
