// memcpy: the machine's memory bandwidth, the yardstick for memory-bound
// kernels. Reported single-threaded and on the context's threads.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstring>

#include "engine/core/copy.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {

void register_memory_benchmarks(const BenchContexts& contexts) {
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (std::int64_t mib : {4, 64}) {
      const std::int64_t bytes = mib << 20;
      if (ctx->device().is_cpu()) {
        benchmark::RegisterBenchmark(fmt::format("memcpy/cpu/1thread/{}MiB", mib).c_str(),
                                     [ctx, bytes](benchmark::State& state) {
                                       Tensor src = ctx->zeros({bytes}, DType::u8),
                                              dst = ctx->zeros({bytes}, DType::u8);
                                       for (auto _ : state) {
                                         std::memcpy(dst.raw_data(), src.raw_data(), static_cast<std::size_t>(bytes));
                                         benchmark::ClobberMemory();
                                       }
                                       state.SetBytesProcessed(state.iterations() * bytes * 2);  // read + write
                                     })
            ->UseRealTime();
        benchmark::RegisterBenchmark(fmt::format("memcpy/cpu/{}threads/{}MiB", ctx->num_threads(), mib).c_str(),
                                     [ctx, bytes](benchmark::State& state) {
                                       Tensor src = ctx->zeros({bytes}, DType::u8),
                                              dst = ctx->zeros({bytes}, DType::u8);
                                       const int threads = ctx->num_threads();
                                       const std::int64_t chunk = (bytes + threads - 1) / threads;
                                       auto* d = static_cast<char*>(dst.raw_data());
                                       const auto* s = static_cast<const char*>(src.raw_data());
                                       for (auto _ : state) {
#pragma omp parallel for num_threads(threads) schedule(static)
                                         for (int t = 0; t < threads; ++t) {
                                           const std::int64_t begin = t * chunk, end = std::min(bytes, begin + chunk);
                                           if (begin < end)
                                             std::memcpy(d + begin, s + begin, static_cast<std::size_t>(end - begin));
                                         }
                                         benchmark::ClobberMemory();
                                       }
                                       state.SetBytesProcessed(state.iterations() * bytes * 2);
                                     })
            ->UseRealTime();
      } else {
        benchmark::RegisterBenchmark(fmt::format("memcpy/{}/{}MiB", ctx->device().str(), mib).c_str(),
                                     [ctx, bytes](benchmark::State& state) {
                                       Tensor src = ctx->zeros({bytes}, DType::u8),
                                              dst = ctx->zeros({bytes}, DType::u8);
                                       for (auto _ : state) {
                                         copy(*ctx, src, dst);
                                         ctx->synchronize();
                                       }
                                       state.SetBytesProcessed(state.iterations() * bytes * 2);
                                     })
            ->UseRealTime();
      }
    }
  }
}

}  // namespace yolo::bench
