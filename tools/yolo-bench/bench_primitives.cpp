// Portable primitives at the sizes the loss and NMS use: 8400 anchors per
// image at 640 px, batch 16, 80 classes, up to 100 ground truths per image.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <random>
#include <vector>

#include "engine/core/copy.h"
#include "kernels/primitives.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

Tensor random_floats(const Context& ctx, std::int64_t n, unsigned seed) {
  Tensor host = ctx.empty_host({n}, DType::f32);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  float* p = host.data<float>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = u(rng);
  return to_device(ctx, host);
}

template <class Body>
void add(const Context* ctx, const std::string& name, std::int64_t bytes_per_iteration, Body body) {
  benchmark::RegisterBenchmark(fmt::format("{}/{}", name, ctx->device().str()).c_str(), [ctx, bytes_per_iteration,
                                                                                         body](
                                                                                            benchmark::State& state) {
    body(state, *ctx);
    state.SetBytesProcessed(state.iterations() * bytes_per_iteration);
  })->UseRealTime();
}

}  // namespace

void register_primitive_benchmarks(const BenchContexts& contexts) {
  constexpr std::int64_t kBig = std::int64_t{1} << 24;         // 16M floats
  constexpr std::int64_t kScores = 16 * 8400 * 80;             // class scores of a batch
  constexpr std::int64_t kGtRows = 16 * 100, kAnchors = 8400;  // assigner metric matrix
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    add(ctx, "sum/16M", kBig * 4, [](benchmark::State& state, const Context& c) {
      Tensor x = random_floats(c, kBig, 1), out = c.empty({1}, DType::f32);
      for (auto _ : state) {
        dispatch_backend(c.device(),
                         [&]<class B>() { Primitives<B>::sum(c, x.data<float>(), kBig, out.data<float>()); });
        c.synchronize();
      }
    });
    add(ctx, "max/16M", kBig * 4, [](benchmark::State& state, const Context& c) {
      Tensor x = random_floats(c, kBig, 2), out = c.empty({1}, DType::f32);
      for (auto _ : state) {
        dispatch_backend(c.device(),
                         [&]<class B>() { Primitives<B>::max(c, x.data<float>(), kBig, out.data<float>()); });
        c.synchronize();
      }
    });
    add(ctx, "segmented_sum/16x(8400x80)", kScores * 4, [](benchmark::State& state, const Context& c) {
      Tensor x = random_floats(c, kScores, 3), out = c.empty({16}, DType::f32);
      Tensor offsets_host = c.empty_host({17}, DType::i64);
      for (int s = 0; s <= 16; ++s) offsets_host.data<std::int64_t>()[s] = s * 8400 * 80;
      Tensor offsets = to_device(c, offsets_host);
      for (auto _ : state) {
        dispatch_backend(c.device(), [&]<class B>() {
          Primitives<B>::segmented_sum(c, x.data<float>(), offsets.data<std::int64_t>(), 16, out.data<float>());
        });
        c.synchronize();
      }
    });
    add(ctx, "exclusive_scan/i32/16M", kBig * 8, [](benchmark::State& state, const Context& c) {
      Tensor x = c.zeros({kBig}, DType::i32), out = c.empty({kBig}, DType::i32);
      for (auto _ : state) {
        dispatch_backend(c.device(), [&]<class B>() {
          Primitives<B>::exclusive_scan(c, x.data<std::int32_t>(), kBig, out.data<std::int32_t>());
        });
        c.synchronize();
      }
    });
    // NMS's pre-sort: all candidate scores of one image, descending.
    constexpr std::int64_t kCandidates = 8400 * 80;
    add(ctx, "sort_by_key/desc/672000", kCandidates * 16, [](benchmark::State& state, const Context& c) {
      Tensor source = random_floats(c, kCandidates, 4);
      Tensor keys = c.empty({kCandidates}, DType::f32), values = c.zeros({kCandidates}, DType::i32);
      for (auto _ : state) {
        state.PauseTiming();
        copy(c, source, keys);
        c.synchronize();
        state.ResumeTiming();
        dispatch_backend(c.device(), [&]<class B>() {
          Primitives<B>::sort_by_key(c, keys.data<float>(), values.data<std::int32_t>(), kCandidates,
                                     SortOrder::descending);
        });
        c.synchronize();
      }
    });
    // The assigner's top-10 anchors per ground truth.
    add(ctx, "top_k/k10/1600x8400", kGtRows * kAnchors * 4, [](benchmark::State& state, const Context& c) {
      Tensor x = random_floats(c, kGtRows * kAnchors, 5);
      Tensor values = c.empty({kGtRows * 10}, DType::f32), indices = c.empty({kGtRows * 10}, DType::i32);
      for (auto _ : state) {
        dispatch_backend(c.device(), [&]<class B>() {
          Primitives<B>::top_k(c, x.data<float>(), kGtRows, kAnchors, 10, values.data<float>(),
                               indices.data<std::int32_t>());
        });
        c.synchronize();
      }
    });
  }
}

}  // namespace yolo::bench
