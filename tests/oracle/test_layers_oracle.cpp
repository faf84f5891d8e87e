// The layer ops against PyTorch autograd (tests/oracle/layers_oracle.py):
// every forward result and every gradient, at shapes YOLOv8n/s uses (batch
// 2, 64-160 px) and at odd ones (C not a multiple of 8, odd H or W, batch 1).
//
// Tolerances are the architecture's f32 1e-5 forward / 1e-4 gradients,
// relative, with an absolute floor of that tolerance times the tensor's
// largest magnitude (expect_close_to_scale): conv and batch-norm outputs are
// sums of hundreds of products, and an element that cancels to near zero
// keeps the rounding of its large terms, which torch and we order differently.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/ops/batchnorm.h"
#include "engine/ops/channels.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/dfl.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool.h"
#include "engine/ops/upsample.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

constexpr double kForwardTol = 1e-5;
constexpr double kGradientTol = 1e-4;

// Compares `actual` with the oracle's array `name` (shapes must match).
void expect_oracle(const Context& ctx, const test::Oracle& oracle, const std::string& name, const Tensor& actual,
                   double rtol) {
  const Tensor expected = oracle.get(name).to_tensor(ctx);
  test::expect_close_to_scale(actual, expected, rtol, name);
}

std::string key(std::size_t i, const char* name) { return std::to_string(i) + "_" + name; }

struct ConvCase {
  Shape x;  // (N, H, W, C)
  std::int64_t out_channels, kernel;
  Conv2dGeometry g;
  bool bias;
};

TEST(LayersOracle, Conv2dForwardAndGradientsMatchTorch) {
  const std::vector<ConvCase> cases = {
      {{2, 64, 64, 3}, 16, 3, {2, 1, 1, 1}, false},   // YOLOv8n stem at 64 px
      {{2, 32, 32, 16}, 32, 3, {2, 1, 1, 1}, false},  // downsampling Conv
      {{2, 20, 20, 64}, 64, 3, {1, 1, 1, 1}, false},  // bottleneck 3x3
      {{2, 40, 40, 32}, 32, 1, {1, 0, 1, 1}, true},   // 1x1 with bias (head's last conv)
      {{1, 9, 11, 5}, 7, 3, {1, 1, 1, 1}, true},      // odd everything
      {{1, 13, 15, 6}, 10, 3, {2, 1, 1, 1}, false},   // stride 2, odd H and W
      {{1, 7, 7, 8}, 8, 3, {1, 1, 1, 8}, false},      // depthwise
      {{1, 10, 10, 16}, 12, 3, {1, 1, 1, 4}, true},   // groups 4 (YOLOv9 DDetect)
      {{1, 9, 9, 4}, 6, 3, {1, 2, 2, 1}, false},      // dilation 2
      {{2, 16, 16, 16}, 16, 5, {1, 2, 1, 1}, false},  // 5x5
  };
  Context ctx;
  test::Oracle oracle("layers_oracle.py");
  nlohmann::json params = nlohmann::json::array();
  struct Run {
    Tensor x, w, b, dy;
  };
  std::vector<Run> runs;
  std::uint32_t seed = 1000;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& c = cases[i];
    const Shape w_shape{c.out_channels, c.kernel, c.kernel, c.x[3] / c.g.groups};
    const float bound = 1.0f / std::sqrt(static_cast<float>(w_shape[1] * w_shape[2] * w_shape[3]));
    Run r{test::random_uniform(ctx, c.x, seed++), test::random_uniform(ctx, w_shape, seed++, -bound, bound),
          c.bias ? test::random_uniform(ctx, {c.out_channels}, seed++) : Tensor(),
          test::random_uniform(ctx, conv2d_output_shape(c.x, w_shape, c.g), seed++)};
    oracle.put(key(i, "x"), r.x);
    oracle.put(key(i, "w"), r.w);
    oracle.put(key(i, "dy"), r.dy);
    if (c.bias) oracle.put(key(i, "b"), r.b);
    params.push_back({{"stride", c.g.stride},
                      {"padding", c.g.padding},
                      {"dilation", c.g.dilation},
                      {"groups", c.g.groups},
                      {"bias", c.bias}});
    runs.push_back(r);
  }
  oracle.run("conv2d", {{"cases", params}});

  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": x " + cases[i].x.str());
    const Run& r = runs[i];
    const Conv2dGeometry& g = cases[i].g;
    Tensor y = ctx.empty(r.dy.shape(), DType::f32), dx = ctx.empty(r.x.shape(), DType::f32);
    Tensor dw = ctx.empty(r.w.shape(), DType::f32), db = r.b.defined() ? ctx.empty(r.b.shape(), DType::f32) : Tensor();
    conv2d_forward(ctx, r.x, r.w, r.b, g, y);
    conv2d_backward_data(ctx, r.dy, r.w, g, dx);
    conv2d_backward_weights(ctx, r.x, r.dy, g, dw, db, 0.0f);
    expect_oracle(ctx, oracle, key(i, "y"), y, kForwardTol);
    expect_oracle(ctx, oracle, key(i, "dx"), dx, kGradientTol);
    expect_oracle(ctx, oracle, key(i, "dw"), dw, kGradientTol);
    if (r.b.defined()) expect_oracle(ctx, oracle, key(i, "db"), db, kGradientTol);
  }
}

struct BatchNormCase {
  Shape x;
  Activation act;
};

BatchNorm random_batchnorm(const Context& ctx, std::int64_t channels, std::uint32_t seed) {
  BatchNorm bn;
  bn.gamma = test::random_uniform(ctx, {channels}, seed, 0.5f, 1.5f);
  bn.beta = test::random_uniform(ctx, {channels}, seed + 1, -0.5f, 0.5f);
  bn.running_mean = test::random_uniform(ctx, {channels}, seed + 2, -0.2f, 0.2f);
  bn.running_var = test::random_uniform(ctx, {channels}, seed + 3, 0.5f, 2.0f);
  return bn;
}

TEST(LayersOracle, BatchNormTrainEvalAndGradientsMatchTorch) {
  const std::vector<BatchNormCase> cases = {
      {{2, 80, 80, 16}, Activation::silu},  // after YOLOv8n's first conv at 160 px
      {{2, 20, 20, 64}, Activation::silu},  {{2, 10, 10, 256}, Activation::identity},
      {{1, 7, 9, 5}, Activation::silu},      // odd
      {{1, 3, 3, 3}, Activation::identity},  // tiny batch: unbiased variance over 9 values
  };
  Context ctx;
  test::Oracle oracle("layers_oracle.py");
  nlohmann::json params = nlohmann::json::array();
  std::vector<Tensor> xs, dys;
  std::vector<BatchNorm> bns;
  std::uint32_t seed = 2000;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::int64_t C = cases[i].x[3];
    // An offset mean and a spread unlike 1: the statistics must not cancel.
    Tensor x = test::random_uniform(ctx, cases[i].x, seed++, 1.0f, 4.0f),
           dy = test::random_uniform(ctx, cases[i].x, seed++);
    BatchNorm bn = random_batchnorm(ctx, C, seed);
    seed += 4;
    oracle.put(key(i, "x"), x);
    oracle.put(key(i, "dy"), dy);
    oracle.put(key(i, "gamma"), bn.gamma);
    oracle.put(key(i, "beta"), bn.beta);
    oracle.put(key(i, "running_mean"), bn.running_mean);
    oracle.put(key(i, "running_var"), bn.running_var);
    params.push_back(
        {{"eps", bn.eps}, {"momentum", bn.momentum}, {"act", cases[i].act == Activation::silu ? "silu" : "identity"}});
    xs.push_back(x);
    dys.push_back(dy);
    bns.push_back(bn);
  }
  oracle.run("batchnorm", {{"cases", params}});

  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": x " + cases[i].x.str());
    BatchNorm& bn = bns[i];
    const std::int64_t C = cases[i].x[3];
    Tensor y = ctx.empty(xs[i].shape(), DType::f32), dx = ctx.empty(xs[i].shape(), DType::f32);
    Tensor dgamma = ctx.empty({C}, DType::f32), dbeta = ctx.empty({C}, DType::f32);
    const BatchNormSaved saved = batchnorm_forward_train(ctx, xs[i], bn, cases[i].act, y);
    batchnorm_backward(ctx, xs[i], dys[i], bn, saved, cases[i].act, dx, dgamma, dbeta, 0.0f);
    expect_oracle(ctx, oracle, key(i, "y"), y, kForwardTol);
    expect_oracle(ctx, oracle, key(i, "running_mean"), bn.running_mean, kForwardTol);
    expect_oracle(ctx, oracle, key(i, "running_var"), bn.running_var, kForwardTol);
    expect_oracle(ctx, oracle, key(i, "dx"), dx, kGradientTol);
    expect_oracle(ctx, oracle, key(i, "dgamma"), dgamma, kGradientTol);
    expect_oracle(ctx, oracle, key(i, "dbeta"), dbeta, kGradientTol);
    Tensor y_eval = ctx.empty(xs[i].shape(), DType::f32);
    batchnorm_forward_eval(ctx, xs[i], bn, cases[i].act, y_eval);
    expect_oracle(ctx, oracle, key(i, "y_eval"), y_eval, kForwardTol);
  }
}

struct PoolCase {
  Shape x;
  bool max;
  Pool2dGeometry g;
};

TEST(LayersOracle, PoolingForwardAndGradientsMatchTorch) {
  const std::vector<PoolCase> cases = {
      {{2, 20, 20, 64}, true, {5, 1, 2}},   // SPPF
      {{2, 40, 40, 16}, true, {3, 2, 1}},   // ADown's max branch
      {{2, 40, 40, 16}, false, {2, 1, 0}},  // ADown's average
      {{1, 9, 7, 5}, true, {5, 1, 2}},      // odd
      {{1, 9, 7, 5}, true, {3, 2, 1}},     {{1, 9, 7, 5}, false, {2, 1, 0}},
      {{1, 8, 6, 3}, false, {3, 2, 1}},   // average with padding: zeros count
      {{2, 12, 10, 4}, true, {3, 2, 1}},  // ties: values rounded to halves below
  };
  Context ctx;
  test::Oracle oracle("layers_oracle.py");
  nlohmann::json params = nlohmann::json::array();
  std::vector<Tensor> xs, dys;
  std::uint32_t seed = 3000;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Tensor x = test::random_uniform(ctx, cases[i].x, seed++);
    if (i + 1 == cases.size()) {
      // Many equal maxima per window: the first one (row-major) must win, as in torch.
      float* p = x.data<float>();
      for (std::int64_t k = 0; k < x.numel(); ++k) p[k] = std::round(p[k] * 2.0f) / 2.0f;
      // And some NaNs: a NaN wins its window, the last NaN among several.
      for (std::int64_t k = 0; k < x.numel(); k += 37) p[k] = NAN;
    }
    Tensor dy = test::random_uniform(ctx, pool2d_output_shape(cases[i].x, cases[i].g), seed++);
    oracle.put(key(i, "x"), x);
    oracle.put(key(i, "dy"), dy);
    params.push_back({{"kind", cases[i].max ? "max" : "avg"},
                      {"kernel", cases[i].g.kernel},
                      {"stride", cases[i].g.stride},
                      {"padding", cases[i].g.padding}});
    xs.push_back(x);
    dys.push_back(dy);
  }
  oracle.run("pool", {{"cases", params}});

  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i) + ": x " + cases[i].x.str());
    Tensor y = ctx.empty(dys[i].shape(), DType::f32), dx = ctx.empty(xs[i].shape(), DType::f32);
    if (cases[i].max) {
      Tensor argmax = ctx.empty(dys[i].shape(), DType::i32);
      maxpool2d_forward(ctx, xs[i], cases[i].g, y, argmax);
      maxpool2d_backward(ctx, dys[i], argmax, cases[i].g, dx);
      const NpyArray expected = oracle.get(key(i, "argmax"));
      ASSERT_EQ(expected.numel(), argmax.numel());
      EXPECT_EQ(0, std::memcmp(expected.as<std::int32_t>(), argmax.data<std::int32_t>(), argmax.nbytes()))
          << "max-pool argmax differs from torch's indices";
      // A max is a copy and each gradient a sum of at most 9 values.
      expect_oracle(ctx, oracle, key(i, "y"), y, 0.0);
    } else {
      avgpool2d_forward(ctx, xs[i], cases[i].g, y);
      avgpool2d_backward(ctx, dys[i], cases[i].g, dx);
      expect_oracle(ctx, oracle, key(i, "y"), y, kForwardTol);
    }
    expect_oracle(ctx, oracle, key(i, "dx"), dx, kGradientTol);
  }
}

TEST(LayersOracle, UpsampleNearestMatchesTorch) {
  const std::vector<std::pair<Shape, int>> cases = {
      {{2, 10, 10, 64}, 2}, {{1, 5, 7, 3}, 2}, {{1, 5, 7, 3}, 4}, {{2, 4, 4, 8}, 8}};
  Context ctx;
  test::Oracle oracle("layers_oracle.py");
  nlohmann::json params = nlohmann::json::array();
  std::vector<Tensor> xs, dys;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [shape, f] = cases[i];
    xs.push_back(test::random_uniform(ctx, shape, 4000 + 2 * static_cast<std::uint32_t>(i)));
    dys.push_back(test::random_uniform(ctx, {shape[0], shape[1] * f, shape[2] * f, shape[3]},
                                       4001 + 2 * static_cast<std::uint32_t>(i)));
    oracle.put(key(i, "x"), xs[i]);
    oracle.put(key(i, "dy"), dys[i]);
    params.push_back({{"factor", f}});
  }
  oracle.run("upsample", {{"cases", params}});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    Tensor y = ctx.empty(dys[i].shape(), DType::f32), dx = ctx.empty(xs[i].shape(), DType::f32);
    upsample_nearest_forward(ctx, xs[i], cases[i].second, y);
    upsample_nearest_backward(ctx, dys[i], cases[i].second, dx);
    expect_oracle(ctx, oracle, key(i, "y"), y, 0.0);  // a copy
    expect_oracle(ctx, oracle, key(i, "dx"), dx, kGradientTol);
  }
}

TEST(LayersOracle, ConcatAndSplitAlongChannelsMatchTorch) {
  // C2f-like: three inputs concatenated, the result split unevenly.
  Context ctx;
  const std::vector<std::int64_t> in_channels = {16, 8, 5}, split = {13, 16};
  test::Oracle oracle("layers_oracle.py");
  std::vector<Tensor> inputs, parts, dparts;
  for (std::size_t j = 0; j < in_channels.size(); ++j) {
    inputs.push_back(test::random_uniform(ctx, {2, 6, 7, in_channels[j]}, 5000 + static_cast<std::uint32_t>(j)));
    oracle.put(key(0, ("in" + std::to_string(j)).c_str()), inputs[j]);
  }
  for (std::size_t j = 0; j < split.size(); ++j) {
    dparts.push_back(test::random_uniform(ctx, {2, 6, 7, split[j]}, 5100 + static_cast<std::uint32_t>(j)));
    oracle.put(key(0, ("dpart" + std::to_string(j)).c_str()), dparts[j]);
    parts.push_back(ctx.empty({2, 6, 7, split[j]}, DType::f32));
  }
  oracle.run("channels", {{"cases", nlohmann::json::array({{{"inputs", 3}, {"split", split}}})}});

  Tensor y = ctx.empty({2, 6, 7, 29}, DType::f32);
  concat_channels(ctx, inputs, y);
  split_channels(ctx, y, parts);
  expect_oracle(ctx, oracle, key(0, "y"), y, 0.0);
  for (std::size_t j = 0; j < parts.size(); ++j)
    expect_oracle(ctx, oracle, key(0, ("part" + std::to_string(j)).c_str()), parts[j], 0.0);
  // Backward: the split's gradients concatenate, the concat's gradient splits.
  Tensor dy = ctx.empty({2, 6, 7, 29}, DType::f32);
  concat_channels(ctx, dparts, dy);
  std::vector<Tensor> dinputs;
  for (std::int64_t c : in_channels) dinputs.push_back(ctx.empty({2, 6, 7, c}, DType::f32));
  split_channels(ctx, dy, dinputs);
  for (std::size_t j = 0; j < dinputs.size(); ++j)
    expect_oracle(ctx, oracle, key(0, ("din" + std::to_string(j)).c_str()), dinputs[j], 0.0);
}

TEST(LayersOracle, SigmoidAndAddMatchTorch) {
  Context ctx;
  const std::int64_t n = 40001;
  Tensor x = test::random_uniform(ctx, {n}, 6000, -20.0f, 20.0f), dy = test::random_uniform(ctx, {n}, 6001);
  test::Oracle oracle("layers_oracle.py");
  oracle.put(key(0, "x"), x);
  oracle.put(key(0, "dy"), dy);
  oracle.run("activations", {{"cases", nlohmann::json::array({nlohmann::json::object()})}});
  Tensor y = ctx.empty({n}, DType::f32), dx = ctx.empty({n}, DType::f32), sum = ctx.empty({n}, DType::f32);
  sigmoid_forward(ctx, x, y);
  sigmoid_backward(ctx, y, dy, dx);
  add(ctx, x, dy, sum);
  // Elementwise: relative to each element (our exp is within 2 ulp of torch's);
  // the gradient's floor of 1e-9 covers saturated sigmoids, where
  // y * (1 - y) is the rounding residue of 1 - y.
  test::expect_close(y, oracle.get(key(0, "sigmoid")).to_tensor(ctx), kForwardTol, 1e-30, "sigmoid");
  test::expect_close(dx, oracle.get(key(0, "sigmoid_dx")).to_tensor(ctx), kGradientTol, 1e-9, "sigmoid backward");
  test::expect_close(sum, oracle.get(key(0, "add")).to_tensor(ctx), 0.0, 0.0, "add");
}

TEST(LayersOracle, DflDecodeMatchesUltralyticsFormulation) {
  Context ctx;
  const std::int64_t rows = 2 * (20 * 20 + 10 * 10 + 5 * 5);  // the anchors of a batch of 2 at 160 px
  Tensor x = test::random_uniform(ctx, {rows, 64}, 7000, -8.0f, 8.0f);
  test::Oracle oracle("layers_oracle.py");
  oracle.put(key(0, "x"), x);
  oracle.run("dfl", {{"cases", nlohmann::json::array({{{"reg_max", 16}}})}});
  Tensor out = ctx.empty({rows, 4}, DType::f32);
  dfl_decode(ctx, x, 16, out);
  expect_oracle(ctx, oracle, key(0, "out"), out, kForwardTol);
}

TEST(LayersOracle, FoldedConvEqualsConvThenEvalBatchNorm) {
  struct FoldCase {
    Shape x;
    std::int64_t out_channels, kernel;
    Conv2dGeometry g;
    bool bias;
  };
  const std::vector<FoldCase> cases = {{{2, 16, 16, 8}, 16, 3, {1, 1, 1, 1}, false},
                                       {{1, 9, 7, 8}, 12, 3, {2, 1, 1, 4}, true}};
  Context ctx;
  test::Oracle oracle("layers_oracle.py");
  nlohmann::json params = nlohmann::json::array();
  struct Run {
    Tensor x, w, b;
    BatchNorm bn;
  };
  std::vector<Run> runs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const FoldCase& c = cases[i];
    const std::uint32_t seed = 8000 + 10 * static_cast<std::uint32_t>(i);
    Run r{test::random_uniform(ctx, c.x, seed),
          test::random_uniform(ctx, {c.out_channels, c.kernel, c.kernel, c.x[3] / c.g.groups}, seed + 1, -0.3f, 0.3f),
          c.bias ? test::random_uniform(ctx, {c.out_channels}, seed + 2) : Tensor(),
          random_batchnorm(ctx, c.out_channels, seed + 3)};
    for (const auto& [name, t] : {std::pair<const char*, Tensor>{"x", r.x},
                                  {"w", r.w},
                                  {"gamma", r.bn.gamma},
                                  {"beta", r.bn.beta},
                                  {"running_mean", r.bn.running_mean},
                                  {"running_var", r.bn.running_var}})
      oracle.put(key(i, name), t);
    if (c.bias) oracle.put(key(i, "b"), r.b);
    params.push_back({{"eps", r.bn.eps},
                      {"bias", c.bias},
                      {"stride", c.g.stride},
                      {"padding", c.g.padding},
                      {"groups", c.g.groups}});
    runs.push_back(r);
  }
  oracle.run("fold", {{"cases", params}});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const Run& r = runs[i];
    Tensor w_folded = ctx.empty(r.w.shape(), DType::f32), b_folded = ctx.empty({cases[i].out_channels}, DType::f32);
    fold_batchnorm(ctx, r.w, r.b, r.bn, w_folded, b_folded);
    expect_oracle(ctx, oracle, key(i, "w_folded"), w_folded, kForwardTol);
    expect_oracle(ctx, oracle, key(i, "b_folded"), b_folded, kForwardTol);
    Tensor y = ctx.empty(conv2d_output_shape(r.x.shape(), r.w.shape(), cases[i].g), DType::f32);
    conv2d_forward(ctx, r.x, w_folded, b_folded, cases[i].g, y);
    expect_oracle(ctx, oracle, key(i, "y"), y, kForwardTol);
  }
}

}  // namespace
}  // namespace yolo
