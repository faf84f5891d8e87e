// The memory-bound layer ops at YOLOv8n's shapes (batch 16, 320 px): bytes
// moved per second, counting every pass each algorithm makes over memory
// (batch norm reads x once for its statistics and once to normalise), to set
// against memcpy in the same run.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <functional>

#include "engine/ops/batchnorm.h"
#include "engine/ops/channels.h"
#include "engine/ops/dfl.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool.h"
#include "engine/ops/upsample.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

// Builds the tensors of one case and returns the call to time; sets the
// bytes one call moves.
using Setup = std::function<std::function<void()>(const Context& ctx, std::int64_t& bytes)>;

struct LayerCase {
  std::string name;
  Setup setup;
};

Tensor random(const Context& ctx, const Shape& shape, DType dtype = DType::f32) {
  Tensor t = ctx.empty(shape, dtype);
  fill_uniform(ctx, t, -1.0f, 1.0f);
  return t;
}

BatchNorm make_batchnorm(const Context& ctx, std::int64_t channels) {
  BatchNorm bn{random(ctx, {channels}), random(ctx, {channels}), ctx.zeros({channels}, DType::f32),
               ctx.empty({channels}, DType::f32)};
  fill(ctx, bn.running_var, 1.0);
  return bn;
}

std::vector<LayerCase> layer_cases() {
  std::vector<LayerCase> cases;
  // C2f outputs at 80 x 80 (cache-resident) and 160 x 160 (not: 52 MB), at 640 px.
  for (const Shape& bn_shape : {Shape{16, 80, 80, 32}, Shape{16, 160, 160, 32}}) {
    const std::int64_t bn_bytes = bn_shape.numel() * 4;
    const std::string dims = fmt::format("{}x{}x{}x{}", bn_shape[0], bn_shape[1], bn_shape[2], bn_shape[3]);
    cases.push_back({"batchnorm_silu_train_forward/" + dims, [=](const Context& ctx, std::int64_t& bytes) {
                       auto x = std::make_shared<Tensor>(random(ctx, bn_shape));
                       auto y = std::make_shared<Tensor>(ctx.empty(bn_shape, DType::f32));
                       auto bn = std::make_shared<BatchNorm>(make_batchnorm(ctx, bn_shape[3]));
                       bytes = 3 * bn_bytes;  // statistics read, apply read + write
                       return [&ctx = ctx, x, y, bn] { batchnorm_forward_train(ctx, *x, *bn, Activation::silu, *y); };
                     }});
    cases.push_back({"batchnorm_silu_eval_forward/" + dims, [=](const Context& ctx, std::int64_t& bytes) {
                       auto x = std::make_shared<Tensor>(random(ctx, bn_shape));
                       auto y = std::make_shared<Tensor>(ctx.empty(bn_shape, DType::f32));
                       auto bn = std::make_shared<BatchNorm>(make_batchnorm(ctx, bn_shape[3]));
                       bytes = 2 * bn_bytes;
                       return [&ctx = ctx, x, y, bn] { batchnorm_forward_eval(ctx, *x, *bn, Activation::silu, *y); };
                     }});
    cases.push_back(
        {"batchnorm_silu_backward/" + dims, [=](const Context& ctx, std::int64_t& bytes) {
           auto x = std::make_shared<Tensor>(random(ctx, bn_shape));
           auto dy = std::make_shared<Tensor>(random(ctx, bn_shape));
           auto dx = std::make_shared<Tensor>(ctx.empty(bn_shape, DType::f32));
           auto bn = std::make_shared<BatchNorm>(make_batchnorm(ctx, bn_shape[3]));
           auto grads = std::make_shared<std::pair<Tensor, Tensor>>(ctx.empty({bn_shape[3]}, DType::f32),
                                                                    ctx.empty({bn_shape[3]}, DType::f32));
           auto saved = std::make_shared<BatchNormSaved>(batchnorm_forward_train(ctx, *x, *bn, Activation::silu, *dx));
           bytes = 6 * bn_bytes;  // sums read x, dy, write dz; dx pass reads x, dz, writes dx
           return [&ctx = ctx, x, dy, dx, bn, grads, saved] {
             batchnorm_backward(ctx, *x, *dy, *bn, *saved, Activation::silu, *dx, grads->first, grads->second, 0.0f);
           };
         }});
  }
  for (const auto& [label, shape, g] :
       {std::tuple<const char*, Shape, Pool2dGeometry>{"k5s1p2/16x10x10x128", {16, 10, 10, 128}, {5, 1, 2}},
        {"k5s1p2/16x40x40x64", {16, 40, 40, 64}, {5, 1, 2}},
        {"k3s2p1/16x80x80x32", {16, 80, 80, 32}, {3, 2, 1}}}) {
    cases.push_back({fmt::format("maxpool2d_forward/{}", label), [=](const Context& ctx, std::int64_t& bytes) {
                       const Shape out = pool2d_output_shape(shape, g);
                       auto x = std::make_shared<Tensor>(random(ctx, shape));
                       auto y = std::make_shared<Tensor>(ctx.empty(out, DType::f32));
                       auto argmax = std::make_shared<Tensor>(ctx.empty(out, DType::i32));
                       bytes = (shape.numel() + 2 * out.numel()) * 4;
                       return [&ctx = ctx, x, y, argmax, g] { maxpool2d_forward(ctx, *x, g, *y, *argmax); };
                     }});
    cases.push_back({fmt::format("maxpool2d_backward/{}", label), [=](const Context& ctx, std::int64_t& bytes) {
                       const Shape out = pool2d_output_shape(shape, g);
                       auto x = std::make_shared<Tensor>(random(ctx, shape));
                       auto y = std::make_shared<Tensor>(ctx.empty(out, DType::f32));
                       auto argmax = std::make_shared<Tensor>(ctx.empty(out, DType::i32));
                       maxpool2d_forward(ctx, *x, g, *y, *argmax);
                       bytes = (shape.numel() + 2 * out.numel()) * 4;
                       return [&ctx = ctx, x, y, argmax, g] { maxpool2d_backward(ctx, *y, *argmax, g, *x); };
                     }});
  }
  const Shape avg_shape{16, 40, 40, 64};
  cases.push_back({"avgpool2d_forward/k2s1p0/16x40x40x64", [=](const Context& ctx, std::int64_t& bytes) {
                     const Pool2dGeometry g{2, 1, 0};
                     const Shape out = pool2d_output_shape(avg_shape, g);
                     auto x = std::make_shared<Tensor>(random(ctx, avg_shape));
                     auto y = std::make_shared<Tensor>(ctx.empty(out, DType::f32));
                     bytes = (avg_shape.numel() + out.numel()) * 4;
                     return [&ctx = ctx, x, y, g] { avgpool2d_forward(ctx, *x, g, *y); };
                   }});
  cases.push_back({"avgpool2d_backward/k2s1p0/16x40x40x64", [=](const Context& ctx, std::int64_t& bytes) {
                     const Pool2dGeometry g{2, 1, 0};
                     const Shape out = pool2d_output_shape(avg_shape, g);
                     auto dx = std::make_shared<Tensor>(ctx.empty(avg_shape, DType::f32));
                     auto dy = std::make_shared<Tensor>(random(ctx, out));
                     bytes = (avg_shape.numel() + out.numel()) * 4;
                     return [&ctx = ctx, dx, dy, g] { avgpool2d_backward(ctx, *dy, g, *dx); };
                   }});
  for (const auto& [label, shape] :
       {std::pair<const char*, Shape>{"16x10x10x256", {16, 10, 10, 256}}, {"16x20x20x128", {16, 20, 20, 128}}}) {
    const Shape big{shape[0], shape[1] * 2, shape[2] * 2, shape[3]};
    cases.push_back(
        {fmt::format("upsample_nearest_forward/x2/{}", label), [=](const Context& ctx, std::int64_t& bytes) {
           auto x = std::make_shared<Tensor>(random(ctx, shape));
           auto y = std::make_shared<Tensor>(ctx.empty(big, DType::f32));
           bytes = (shape.numel() + big.numel()) * 4;
           return [&ctx = ctx, x, y] { upsample_nearest_forward(ctx, *x, 2, *y); };
         }});
    cases.push_back(
        {fmt::format("upsample_nearest_backward/x2/{}", label), [=](const Context& ctx, std::int64_t& bytes) {
           auto dx = std::make_shared<Tensor>(ctx.empty(shape, DType::f32));
           auto dy = std::make_shared<Tensor>(random(ctx, big));
           bytes = (shape.numel() + big.numel()) * 4;
           return [&ctx = ctx, dx, dy] { upsample_nearest_backward(ctx, *dy, 2, *dx); };
         }});
  }
  const Shape half{16, 40, 40, 64}, whole{16, 40, 40, 128};
  cases.push_back(
      {"concat_channels/2x16x40x40x64", [=](const Context& ctx, std::int64_t& bytes) {
         auto inputs = std::make_shared<std::vector<Tensor>>(std::vector<Tensor>{random(ctx, half), random(ctx, half)});
         auto y = std::make_shared<Tensor>(ctx.empty(whole, DType::f32));
         bytes = 2 * whole.numel() * 4;
         return [&ctx = ctx, inputs, y] { concat_channels(ctx, *inputs, *y); };
       }});
  cases.push_back({"split_channels/16x40x40x128", [=](const Context& ctx, std::int64_t& bytes) {
                     auto x = std::make_shared<Tensor>(random(ctx, whole));
                     auto parts = std::make_shared<std::vector<Tensor>>(
                         std::vector<Tensor>{ctx.empty(half, DType::f32), ctx.empty(half, DType::f32)});
                     bytes = 2 * whole.numel() * 4;
                     return [&ctx = ctx, x, parts] { split_channels(ctx, *x, *parts); };
                   }});
  cases.push_back({"add/16x80x80x16", [=](const Context& ctx, std::int64_t& bytes) {
                     const Shape s{16, 80, 80, 16};
                     auto a = std::make_shared<Tensor>(random(ctx, s));
                     auto b = std::make_shared<Tensor>(random(ctx, s));
                     auto y = std::make_shared<Tensor>(ctx.empty(s, DType::f32));
                     bytes = 3 * s.numel() * 4;
                     return [&ctx = ctx, a, b, y] { add(ctx, *a, *b, *y); };
                   }});
  cases.push_back({"sigmoid_forward/16x2100x80", [=](const Context& ctx, std::int64_t& bytes) {
                     const Shape s{16, 2100, 80};  // class logits of every anchor at 320 px
                     auto x = std::make_shared<Tensor>(random(ctx, s));
                     auto y = std::make_shared<Tensor>(ctx.empty(s, DType::f32));
                     bytes = 2 * s.numel() * 4;
                     return [&ctx = ctx, x, y] { sigmoid_forward(ctx, *x, *y); };
                   }});
  cases.push_back({"dfl_decode/33600x64", [=](const Context& ctx, std::int64_t& bytes) {
                     const std::int64_t rows = 16 * 2100;  // every anchor of the batch at 320 px
                     auto x = std::make_shared<Tensor>(random(ctx, {rows, 64}));
                     auto out = std::make_shared<Tensor>(ctx.empty({rows, 4}, DType::f32));
                     bytes = rows * (64 + 4) * 4;
                     return [&ctx = ctx, x, out] { dfl_decode(ctx, *x, 16, *out); };
                   }});
  return cases;
}

}  // namespace

void register_layer_benchmarks(const BenchContexts& contexts) {
  for (const auto& owned : contexts.contexts) {
    const Context* ctx = owned.get();
    for (LayerCase& c : layer_cases()) {
      benchmark::RegisterBenchmark(fmt::format("{}/{}", c.name, ctx->device().str()).c_str(),
                                   [ctx, setup = c.setup](benchmark::State& state) {
                                     std::int64_t bytes = 0;
                                     const std::function<void()> run = setup(*ctx, bytes);
                                     for (auto _ : state) {
                                       run();
                                       ctx->synchronize();
                                     }
                                     state.SetBytesProcessed(state.iterations() * bytes);
                                   })
          ->UseRealTime();
    }
  }
}

}  // namespace yolo::bench
