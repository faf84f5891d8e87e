// Whole models: forward (eval; "forward_fused" with the batch norms folded
// into the convolutions, as yolo-val and yolo-detect run) and a training
// step's forward + backward, per image, at batch 16; and the allocator's
// peak tensor memory over the timed calls, less what was live before the
// first (warm-up) call, so that what ops keep per shape counts (the
// "peak_MiB" counter), to set against PyTorch's (tools/bench/model_vs_torch.sh).
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include "engine/graph/model.h"
#include "engine/ops/elementwise.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {

void register_model_benchmarks(const BenchContexts& contexts) {
  struct Case {
    const char* model;
    std::int64_t size, batch;
  };
  const Case cases[] = {
      {"yolov8n", 320, 16}, {"yolov8n", 640, 16}, {"yolov8n", 640, 64}, {"yolov9s", 640, 16}, {"yolov9-s", 640, 16}};
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (const Case& c : cases) {
      enum class Kind { forward, forward_fused, train_step };
      for (const Kind kind : {Kind::forward, Kind::forward_fused, Kind::train_step}) {
        const bool train = kind == Kind::train_step;
        const char* name = kind == Kind::forward         ? "forward"
                           : kind == Kind::forward_fused ? "forward_fused"
                                                         : "train_step";
        benchmark::RegisterBenchmark(
            fmt::format("model_{}/{}/{}px/b{}/{}", name, c.model, c.size, c.batch, ctx->device().str()).c_str(),
            [ctx, c, train, kind](benchmark::State& state) {
              Model model(*ctx, load_model_config(std::string(c.model) + ".yaml",
                                                  {YOLO_MODELS_DIR, YOLO_MODELS_DIR "/detect"}));
              model.train(train);
              if (kind == Kind::forward_fused) model.fuse(*ctx);
              Tensor image = ctx->empty({c.batch, c.size, c.size, 3}, DType::f32);
              fill_uniform(*ctx, image, 0.0f, 1.0f);
              // Before the warm-up: what the ops keep per shape (primitives' weight
              // copies, buffers) counts too.
              const std::int64_t before = ctx->allocator().stats().live_bytes;
              Tensors grads;
              if (train) {
                for (const Tensor& o : model.forward(*ctx, image)) {  // warm-up, and the output shapes
                  Tensor g = ctx->empty(o.shape(), DType::f32);
                  fill(*ctx, g, 1e-3);
                  grads.push_back(g);
                }
                model.backward(*ctx, grads);
              }
              ctx->synchronize();
              ctx->allocator().reset_peak();
              for (auto _ : state) {
                const Tensors out = model.forward(*ctx, image);
                if (train) model.backward(*ctx, grads);
                ctx->synchronize();
              }
              state.counters["images/s"] =
                  benchmark::Counter(static_cast<double>(state.iterations() * c.batch), benchmark::Counter::kIsRate);
              state.counters["peak_MiB"] =
                  static_cast<double>(ctx->allocator().stats().peak_bytes - before) / (1 << 20);
            })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->MinTime(1.0);
      }
    }
  }
}

}  // namespace yolo::bench
