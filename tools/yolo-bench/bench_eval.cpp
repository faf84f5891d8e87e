// Batched NMS at YOLOv8's inference shapes: batch 16, 8400 anchors, 80
// classes, with validation's settings (conf 0.001: thousands of candidates
// per image) and prediction's (conf 0.25). Scores are products of two
// uniforms, boxes clustered so that suppression has work to do.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <random>

#include "engine/core/copy.h"
#include "engine/eval/nms.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

constexpr std::int64_t kBatch = 16, kAnchors = 8400, kClasses = 80;

Tensor make_prediction(const Context& ctx) {
  const Context host;
  Tensor pred = host.empty({kBatch, kAnchors, 4 + kClasses}, DType::f32);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (std::int64_t i = 0; i < kBatch * kAnchors; ++i) {
    float* p = pred.data<float>() + i * (4 + kClasses);
    const float cx = static_cast<float>(rng() % 10) * 64.0f, cy = static_cast<float>(rng() % 10) * 64.0f;
    p[0] = cx + 40 * u(rng), p[1] = cy + 40 * u(rng), p[2] = 10 + 120 * u(rng), p[3] = 10 + 120 * u(rng);
    // Mostly low scores, as a detector's: a few classes per anchor stand out.
    for (std::int64_t c = 0; c < kClasses; ++c) p[4 + c] = 0.02f * u(rng);
    p[4 + rng() % kClasses] = u(rng) * u(rng);
  }
  return to_device(ctx, pred);
}

}  // namespace

void register_eval_benchmarks(const BenchContexts& contexts) {
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (const bool validation : {true, false}) {
      benchmark::RegisterBenchmark(
          fmt::format("nms/b{}/{}x{}/{}/{}", kBatch, kAnchors, kClasses, validation ? "conf0.001" : "conf0.25",
                      ctx->device().str())
              .c_str(),
          [ctx, validation](benchmark::State& state) {
            const Tensor pred = make_prediction(*ctx);
            const NmsOptions options = validation ? NmsOptions::validation() : NmsOptions{};
            for (auto _ : state) {
              const Detections d = non_max_suppression(*ctx, pred, options);
              ctx->synchronize();
              benchmark::DoNotOptimize(d.counts.raw_data());
            }
          })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace yolo::bench
