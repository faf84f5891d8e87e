// Elementwise ops: bytes moved per second (reads + writes), to set against
// the memcpy figure of the same run.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <functional>

#include "engine/ops/elementwise.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

struct ElementwiseCase {
  const char* name;
  DType out_dtype;
  int bytes_per_element;  // f32 elements read + written per index
  std::function<void(const Context&, const Tensor& x, const Tensor& dy, Tensor& y)> run;
};

}  // namespace

void register_elementwise_benchmarks(const BenchContexts& contexts) {
  const ElementwiseCase cases[] = {
      {"fill/f32", DType::f32, 4, [](const Context& c, const Tensor&, const Tensor&, Tensor& y) { fill(c, y, 1.5); }},
      {"copy_cast/f32_to_f16", DType::f16, 6,
       [](const Context& c, const Tensor& x, const Tensor&, Tensor& y) { copy_cast(c, x, y); }},
      {"axpy/f32", DType::f32, 12,
       [](const Context& c, const Tensor& x, const Tensor&, Tensor& y) { axpy(c, 0.5f, x, y); }},
      {"scale/f32", DType::f32, 8,
       [](const Context& c, const Tensor& x, const Tensor&, Tensor& y) { scale(c, 0.5f, x, y); }},
      {"silu_forward/f32", DType::f32, 8,
       [](const Context& c, const Tensor& x, const Tensor&, Tensor& y) { silu_forward(c, x, y); }},
      {"silu_backward/f32", DType::f32, 12,
       [](const Context& c, const Tensor& x, const Tensor& dy, Tensor& y) { silu_backward(c, x, dy, y); }},
  };
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (const ElementwiseCase& op : cases) {
      for (std::int64_t n : {std::int64_t{1} << 20, std::int64_t{1} << 24}) {
        benchmark::RegisterBenchmark(fmt::format("{}/{}/{}M", op.name, ctx->device().str(), n >> 20).c_str(),
                                     [ctx, op, n](benchmark::State& state) {
                                       Tensor x = ctx->empty({n}, DType::f32), dy = ctx->empty({n}, DType::f32);
                                       Tensor y = ctx->empty({n}, op.out_dtype);
                                       fill(*ctx, x, 0.25);
                                       fill(*ctx, dy, 1.0);
                                       fill(*ctx, y, 0.0);
                                       for (auto _ : state) {
                                         op.run(*ctx, x, dy, y);
                                         ctx->synchronize();
                                       }
                                       state.SetBytesProcessed(state.iterations() * n * op.bytes_per_element);
                                     })
            ->UseRealTime();
      }
    }
  }
}

}  // namespace yolo::bench
