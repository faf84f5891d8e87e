// Every differentiable layer op on the cpu backend: its backward against
// finite differences of its forward (tests/support/gradient_check.h), on
// tiny f32 shapes so that every element of every input is checked.
//
// Step and tolerances (GradientCheck's defaults): the ops compute in f32, so
// each L(x +- h) carries a rounding error of about eps_f32 * |L| (eps 6e-8,
// |L| at most a few tens here), which the central difference divides by 2h;
// its truncation error is h^2 / 6 * |L'''|. h = 1e-2 keeps the first near
// 1e-5 and the second below 2e-5 * |L'''| (zero for the linear ops: conv,
// pooling, upsampling, concat, split, add), far inside atol 1e-3 +
// rtol 1e-2 * |numeric|, while a wrong gradient (a missing term, a factor,
// a transposed index) is off by far more. A smaller h would grow the rounding
// error as 1/h; a larger one the truncation error, and for max pooling it
// would let a step change a window's winner.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "engine/ops/batchnorm.h"
#include "engine/ops/channels.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool.h"
#include "engine/ops/upsample.h"
#include "tests/support/gradient_check.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using Outputs = std::vector<Tensor>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A new f32 tensor full of NaN: a backward that "overwrites" must not read it.
Tensor nan_tensor(const Context& ctx, const Shape& shape) {
  Tensor t = ctx.empty(shape, DType::f32);
  fill(ctx, t, kNaN);
  return t;
}

// ---------------------------------------------------------------- conv2d

// x, w and b all checked: dx from conv2d_backward_data, dw and db from
// conv2d_backward_weights with accumulate 0 (into NaN: 0 overwrites).
void check_conv2d(const std::string& name, const Shape& x_shape, const Shape& w_shape, const Conv2dGeometry& g,
                  std::uint32_t seed) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, x_shape, seed);
  Tensor w = test::random_uniform(ctx, w_shape, seed + 1);
  Tensor b = test::random_uniform(ctx, {w_shape[0]}, seed + 2);
  const Shape y_shape = conv2d_output_shape(x_shape, w_shape, g);
  auto forward = [&] {
    Tensor y = ctx.empty(y_shape, DType::f32);
    conv2d_forward(ctx, x, w, b, g, y);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x_shape), dw = nan_tensor(ctx, w_shape), db = nan_tensor(ctx, b.shape());
    conv2d_backward_data(ctx, dy[0], w, g, dx);
    conv2d_backward_weights(ctx, x, dy[0], g, dw, db, 0.0f);
    return Outputs{dx, dw, db};
  };
  test::check_gradients(name, {&x, &w, &b}, forward, backward);
}

TEST(LayerGradients, Conv2d3x3Pad1) {
  check_conv2d("conv2d 3x3 p1", {1, 5, 6, 4}, {6, 3, 3, 4}, {.stride = 1, .padding = 1}, 101);
}

TEST(LayerGradients, Conv2dStride2OddSize) {
  // 7x5 input, stride 2: the last row/column of windows is partial padding.
  check_conv2d("conv2d 3x3 s2 p1", {2, 7, 5, 3}, {4, 3, 3, 3}, {.stride = 2, .padding = 1}, 111);
}

TEST(LayerGradients, Conv2dGroupsDilated) {
  check_conv2d("conv2d 3x3 g2 d2", {1, 5, 6, 4}, {6, 3, 3, 2}, {.stride = 1, .padding = 2, .dilation = 2, .groups = 2},
               121);
}

// ------------------------------------------------------------- batchnorm

// x, gamma and beta checked through batchnorm_forward_train (batch
// statistics) and batchnorm_backward with accumulate 0 (into NaN).
void check_batchnorm(const std::string& name, Activation act, std::uint32_t seed) {
  Context ctx;
  const std::int64_t C = 5;
  Tensor x = test::random_uniform(ctx, {2, 3, 3, C}, seed, -2.0f, 2.0f);
  BatchNorm bn;
  bn.gamma = test::random_uniform(ctx, {C}, seed + 1, 0.5f, 1.5f);
  bn.beta = test::random_uniform(ctx, {C}, seed + 2, -0.5f, 0.5f);
  // Updated by every training forward; y does not depend on them.
  bn.running_mean = ctx.zeros({C}, DType::f32);
  bn.running_var = ctx.empty({C}, DType::f32);
  fill(ctx, bn.running_var, 1.0);
  BatchNormSaved saved;
  auto forward = [&] {
    Tensor y = ctx.empty(x.shape(), DType::f32);
    saved = batchnorm_forward_train(ctx, x, bn, act, y);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x.shape()), dgamma = nan_tensor(ctx, {C}), dbeta = nan_tensor(ctx, {C});
    batchnorm_backward(ctx, x, dy[0], bn, saved, act, dx, dgamma, dbeta, 0.0f);
    return Outputs{dx, dgamma, dbeta};
  };
  test::check_gradients(name, {&x, &bn.gamma, &bn.beta}, forward, backward);
}

TEST(LayerGradients, BatchNormIdentity) { check_batchnorm("batchnorm identity", Activation::identity, 201); }

TEST(LayerGradients, BatchNormSilu) { check_batchnorm("batchnorm silu", Activation::silu, 211); }

// --------------------------------------------------------------- pooling

// A shuffled arange * 0.05, centred on 0: all values distinct and at least
// 0.05 = 5 steps apart, so no +-h step changes any window's maximum.
Tensor spaced_values(const Context& ctx, const Shape& shape, std::uint32_t seed) {
  Tensor t = ctx.empty(shape, DType::f32);
  const std::int64_t n = t.numel();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(order[static_cast<std::size_t>(i)] - n / 2) * 0.05f;
  return t;
}

void check_maxpool(const std::string& name, const Shape& x_shape, const Pool2dGeometry& g, std::uint32_t seed) {
  Context ctx;
  Tensor x = spaced_values(ctx, x_shape, seed);
  const Shape y_shape = pool2d_output_shape(x_shape, g);
  Tensor argmax;  // from the latest forward
  auto forward = [&] {
    Tensor y = ctx.empty(y_shape, DType::f32);
    argmax = ctx.empty(y_shape, DType::i32);
    maxpool2d_forward(ctx, x, g, y, argmax);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x_shape);
    maxpool2d_backward(ctx, dy[0], argmax, g, dx);
    return Outputs{dx};
  };
  test::check_gradients(name, {&x}, forward, backward);
}

TEST(LayerGradients, MaxPool3Stride2Pad1) {
  // ADown's max_pool2d(3, 2, 1): overlapping windows, padding, odd size.
  check_maxpool("maxpool k3 s2 p1", {1, 7, 6, 3}, {.kernel = 3, .stride = 2, .padding = 1}, 301);
}

TEST(LayerGradients, MaxPool5Stride1Pad2) {
  // SPPF's MaxPool2d(5, 1, 2): a pixel can win many windows (gradients sum).
  check_maxpool("maxpool k5 s1 p2", {2, 5, 6, 2}, {.kernel = 5, .stride = 1, .padding = 2}, 311);
}

void check_avgpool(const std::string& name, const Shape& x_shape, const Pool2dGeometry& g, std::uint32_t seed) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, x_shape, seed);
  const Shape y_shape = pool2d_output_shape(x_shape, g);
  auto forward = [&] {
    Tensor y = ctx.empty(y_shape, DType::f32);
    avgpool2d_forward(ctx, x, g, y);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x_shape);
    avgpool2d_backward(ctx, dy[0], g, dx);
    return Outputs{dx};
  };
  test::check_gradients(name, {&x}, forward, backward);
}

TEST(LayerGradients, AvgPool2Stride1) {
  // ADown's avg_pool2d(2, 1, 0).
  check_avgpool("avgpool k2 s1 p0", {2, 4, 5, 3}, {.kernel = 2, .stride = 1, .padding = 0}, 321);
  // Padding counts in the divisor.
  check_avgpool("avgpool k3 s2 p1", {1, 5, 6, 2}, {.kernel = 3, .stride = 2, .padding = 1}, 322);
  // Floor mode on an odd size: no window covers the last row and column
  // (their gradient is zero, written over the NaN).
  check_avgpool("avgpool k2 s2 p0", {1, 5, 5, 2}, {.kernel = 2, .stride = 2, .padding = 0}, 323);
}

// ------------------------------------------------------------ upsampling

void check_upsample(const std::string& name, const Shape& x_shape, int factor, std::uint32_t seed) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, x_shape, seed);
  const Shape y_shape{x_shape[0], x_shape[1] * factor, x_shape[2] * factor, x_shape[3]};
  auto forward = [&] {
    Tensor y = ctx.empty(y_shape, DType::f32);
    upsample_nearest_forward(ctx, x, factor, y);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x_shape);
    upsample_nearest_backward(ctx, dy[0], factor, dx);
    return Outputs{dx};
  };
  test::check_gradients(name, {&x}, forward, backward);
}

TEST(LayerGradients, UpsampleNearest) {
  check_upsample("upsample x2", {2, 3, 4, 3}, 2, 401);
  check_upsample("upsample x3", {1, 2, 3, 2}, 3, 402);
}

// ------------------------------------------------------ concat and split

TEST(LayerGradients, ConcatChannels) {
  Context ctx;
  Tensor a = test::random_uniform(ctx, {1, 3, 4, 2}, 501);
  Tensor b = test::random_uniform(ctx, {1, 3, 4, 3}, 502);
  Tensor c = test::random_uniform(ctx, {1, 3, 4, 1}, 503);
  auto forward = [&] {
    Tensor out = ctx.empty({1, 3, 4, 6}, DType::f32);
    concat_channels(ctx, {a, b, c}, out);
    return Outputs{out};
  };
  // concat's backward is split.
  auto backward = [&](const Outputs& dy) {
    Outputs grads{nan_tensor(ctx, a.shape()), nan_tensor(ctx, b.shape()), nan_tensor(ctx, c.shape())};
    split_channels(ctx, dy[0], grads);
    return grads;
  };
  test::check_gradients("concat_channels", {&a, &b, &c}, forward, backward);
}

TEST(LayerGradients, SplitChannels) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {2, 3, 3, 5}, 511);
  // Two outputs: the check weights and sums both.
  auto forward = [&] {
    Outputs parts{ctx.empty({2, 3, 3, 1}, DType::f32), ctx.empty({2, 3, 3, 4}, DType::f32)};
    split_channels(ctx, x, parts);
    return parts;
  };
  // split's backward is concat.
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x.shape());
    concat_channels(ctx, dy, dx);
    return Outputs{dx};
  };
  test::check_gradients("split_channels", {&x}, forward, backward);
}

// ----------------------------------------------------------- elementwise

TEST(LayerGradients, Add) {
  Context ctx;
  Tensor a = test::random_uniform(ctx, {2, 3, 4, 5}, 601), b = test::random_uniform(ctx, {2, 3, 4, 5}, 602);
  auto forward = [&] {
    Tensor y = ctx.empty(a.shape(), DType::f32);
    add(ctx, a, b, y);
    return Outputs{y};
  };
  // The residual Add hands dy to both inputs.
  auto backward = [&](const Outputs& dy) { return Outputs{dy[0], dy[0]}; };
  test::check_gradients("add", {&a, &b}, forward, backward);
}

TEST(LayerGradients, Sigmoid) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {3, 7, 5}, 611, -4.0f, 4.0f);
  auto forward = [&] {
    Tensor y = ctx.empty(x.shape(), DType::f32);
    sigmoid_forward(ctx, x, y);
    return Outputs{y};
  };
  // sigmoid_backward takes the forward's output y, not x.
  auto backward = [&](const Outputs& dy) {
    Tensor y = ctx.empty(x.shape(), DType::f32), dx = nan_tensor(ctx, x.shape());
    sigmoid_forward(ctx, x, y);
    sigmoid_backward(ctx, y, dy[0], dx);
    return Outputs{dx};
  };
  test::check_gradients("sigmoid", {&x}, forward, backward);
}

TEST(LayerGradients, Silu) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {3, 7, 5}, 621, -5.0f, 5.0f);
  auto forward = [&] {
    Tensor y = ctx.empty(x.shape(), DType::f32);
    silu_forward(ctx, x, y);
    return Outputs{y};
  };
  auto backward = [&](const Outputs& dy) {
    Tensor dx = nan_tensor(ctx, x.shape());
    silu_backward(ctx, x, dy[0], dx);
    return Outputs{dx};
  };
  test::check_gradients("silu", {&x}, forward, backward);
}

// ------------------------------------------------------ the checker itself

// The harness must not pass whatever it is given: scale's true gradient
// passes; twice it, or one wrong element among right ones, fails.
TEST(GradientCheckHarness, FailsOnAWrongGradient) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {3, 4}, 901);
  auto forward = [&] {
    Tensor y = ctx.empty(x.shape(), DType::f32);
    scale(ctx, 0.75f, x, y);
    return Outputs{y};
  };
  // dx = factor * 0.75 * dy, plus `bump` at element 7.
  auto gradient = [&ctx](float factor, float bump) {
    return [&ctx, factor, bump](const Outputs& dy) {
      Tensor dx = ctx.empty(dy[0].shape(), DType::f32);
      scale(ctx, factor * 0.75f, dy[0], dx);
      dx.data<float>()[7] += bump;
      return Outputs{dx};
    };
  };
  test::check_gradients("scale", {&x}, forward, gradient(1.0f, 0.0f));
  EXPECT_NONFATAL_FAILURE(test::check_gradients("scale, doubled gradient", {&x}, forward, gradient(2.0f, 0.0f)),
                          "scale, doubled gradient: input 0");
  EXPECT_NONFATAL_FAILURE(test::check_gradients("scale, one wrong element", {&x}, forward, gradient(1.0f, 0.1f)),
                          "worst: element 7 (1, 3)");
}

}  // namespace
}  // namespace yolo
