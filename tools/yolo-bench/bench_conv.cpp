// Convolutions at YOLOv8n's shapes (batch 16, 320 px), each direction:
// FLOP/s = 2 * N * OH * OW * O * KH * KW * C / groups per call (one
// multiply-add is two FLOPs; every direction does the same count). The 3x3
// stride-1 shapes run Winograd on the cpu (ConvAlgorithms::fastest); the
// "_direct" rows run every shape with the direct algorithm only, for the
// comparison.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <memory>
#include <string>

#include "engine/ops/conv2d.h"
#include "engine/ops/elementwise.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

struct ConvShape {
  const char* label;
  Shape x;  // (N, H, W, C)
  std::int64_t out_channels, kernel;
  Conv2dGeometry g;
};

// Representative layers of YOLOv8n at 320 px, batch 16.
const ConvShape kShapes[] = {
    {"stem_3to16_k3s2_320", {16, 320, 320, 3}, 16, 3, {2, 1, 1, 1}},
    {"c2f_16to16_k3_80", {16, 80, 80, 16}, 16, 3, {1, 1, 1, 1}},
    {"c2f_32to32_k3_40", {16, 40, 40, 32}, 32, 3, {1, 1, 1, 1}},
    {"down_64to128_k3s2_40", {16, 40, 40, 64}, 128, 3, {2, 1, 1, 1}},
    {"c2f_48to32_k1_80", {16, 80, 80, 48}, 32, 1, {1, 0, 1, 1}},
    {"head_80to80_k3_40", {16, 40, 40, 80}, 80, 3, {1, 1, 1, 1}},
};

enum class Direction { forward, backward_data, backward_weights };

double conv_flops(const ConvShape& s, const Shape& y) {
  return 2.0 * static_cast<double>(y.numel()) * static_cast<double>(s.kernel * s.kernel * s.x[3] / s.g.groups);
}

void register_case(const std::string& name, std::shared_ptr<const Context> ctx, const ConvShape& s,
                   Direction direction) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [ctx, s, direction](benchmark::State& state) {
                                 const Shape w_shape{s.out_channels, s.kernel, s.kernel, s.x[3] / s.g.groups};
                                 const Shape y_shape = conv2d_output_shape(s.x, w_shape, s.g);
                                 Tensor x = ctx->empty(s.x, DType::f32), w = ctx->empty(w_shape, DType::f32);
                                 Tensor y = ctx->empty(y_shape, DType::f32), dw = ctx->empty(w_shape, DType::f32), none;
                                 fill_uniform(*ctx, x, -1.0f, 1.0f);
                                 fill_uniform(*ctx, w, -0.1f, 0.1f);
                                 fill_uniform(*ctx, y, -1.0f, 1.0f);
                                 for (auto _ : state) {
                                   switch (direction) {
                                     case Direction::forward:
                                       conv2d_forward(*ctx, x, w, none, s.g, y);
                                       break;
                                     case Direction::backward_data:
                                       conv2d_backward_data(*ctx, y, w, s.g, x);
                                       break;
                                     case Direction::backward_weights:
                                       conv2d_backward_weights(*ctx, x, y, s.g, dw, none, 0.0f);
                                       break;
                                   }
                                   ctx->synchronize();
                                 }
                                 state.counters["FLOP/s"] = benchmark::Counter(
                                     conv_flops(s, y_shape) * static_cast<double>(state.iterations()),
                                     benchmark::Counter::kIsRate);
                               })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

void register_conv_benchmarks(const BenchContexts& contexts) {
  const std::pair<Direction, const char*> directions[] = {{Direction::forward, "conv2d_forward"},
                                                          {Direction::backward_data, "conv2d_backward_data"},
                                                          {Direction::backward_weights, "conv2d_backward_weights"}};
  for (const auto& owned : contexts.contexts) {
    // Not owned here: the contexts outlive every benchmark.
    const std::shared_ptr<const Context> ctx(owned.get(), [](const Context*) {});
    std::shared_ptr<const Context> direct;
    if (ctx->device().is_cpu()) {
      direct = std::make_shared<const Context>(
          Device::cpu(), ContextOptions{.num_threads = ctx->num_threads(), .conv_algorithms = ConvAlgorithms::direct});
    }
    for (const auto& [direction, name] : directions) {
      for (const ConvShape& s : kShapes) {
        register_case(fmt::format("{}/{}/{}", name, s.label, ctx->device().str()), ctx, s, direction);
        if (direct) {
          register_case(fmt::format("{}/{}_direct/{}", name, s.label, ctx->device().str()), direct, s, direction);
        }
      }
    }
  }
}

}  // namespace yolo::bench
