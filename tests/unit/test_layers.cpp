// Layer-op behaviour the oracles do not cover: gradient accumulation, the
// per-shape cache, and clear errors for calls that do not fit.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cstring>

#include "engine/ops/batchnorm.h"
#include "engine/ops/channels.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/pool.h"
#include "engine/ops/upsample.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using test::error_of;

TEST(Conv2d, BetaOneAccumulatesWeightAndBiasGradients) {
  Context ctx;
  const Conv2dGeometry g{1, 1, 1, 1};
  Tensor x = test::random_uniform(ctx, {2, 6, 5, 4}, 11), dy = test::random_uniform(ctx, {2, 6, 5, 8}, 12);
  Tensor dw = ctx.empty({8, 3, 3, 4}, DType::f32), db = ctx.empty({8}, DType::f32);
  conv2d_backward_weights(ctx, x, dy, g, dw, db, 0.0f);
  Tensor dw1 = ctx.empty(dw.shape(), DType::f32), db1 = ctx.empty(db.shape(), DType::f32);
  copy_cast(ctx, dw, dw1);
  copy_cast(ctx, db, db1);
  conv2d_backward_weights(ctx, x, dy, g, dw, db, 1.0f);
  scale(ctx, 2.0f, dw1, dw1);
  scale(ctx, 2.0f, db1, db1);
  // g + g == 2g exactly, and the same primitive repeats its result bit for bit.
  test::expect_close(dw, dw1, 0.0, 0.0, "dw after two accumulated passes");
  test::expect_close(db, db1, 0.0, 0.0, "db after two accumulated passes");
}

TEST(Conv2d, SteadyStateReusesCachedPrimitives) {
  Context ctx;
  const Conv2dGeometry g{2, 1, 1, 1};
  Tensor x = test::random_uniform(ctx, {1, 8, 8, 3}, 13), w = test::random_uniform(ctx, {4, 3, 3, 3}, 14);
  Tensor y = ctx.empty(conv2d_output_shape(x.shape(), w.shape(), g), DType::f32);
  conv2d_forward(ctx, x, w, Tensor(), g, y);
  const std::size_t after_first = ctx.op_cache().size();
  EXPECT_GE(after_first, 1u);
  Tensor y2 = ctx.empty(y.shape(), DType::f32);
  conv2d_forward(ctx, x, w, Tensor(), g, y2);
  EXPECT_EQ(ctx.op_cache().size(), after_first) << "the second call with the same shape built a new primitive";
  test::expect_close(y2, y, 0.0, 0.0, "same inputs, same cached primitive, same result");
}

// A 3x3 stride-1 f32 convolution runs Winograd under ConvAlgorithms::fastest
// (the default) on the cpu: every direction agrees with the direct sum within
// 2e-5 of its scale (Winograd's rounding, a few times a direct sum's), on
// sizes that are not whole 4x4 tiles, on 16 channels (whose blocked layout is
// the NHWC bytes themselves: no reorder) and on channel counts the blocked
// layout pads (5, 6; oneDNN may fall back to direct there). For 32 and 16
// channels the results must differ somewhere, or the fast path did not run.
TEST(Conv2d, WinogradAgreesWithTheDirectSum) {
  struct Case {
    std::int64_t c_in, c_out, size;
    bool must_differ;
  };
  for (const Case c : {Case{32, 32, 13, true}, Case{16, 16, 9, true}, Case{6, 5, 10, false}}) {
    SCOPED_TRACE(fmt::format("{} -> {} channels at {} px", c.c_in, c.c_out, c.size));
    Context fast, direct(Device::cpu(), {.conv_algorithms = ConvAlgorithms::direct});
    const Conv2dGeometry g{1, 1, 1, 1};
    const Tensor x = test::random_uniform(fast, {2, c.size, c.size, c.c_in}, 21);
    const Tensor w = test::random_uniform(fast, {c.c_out, 3, 3, c.c_in}, 22, -0.2f, 0.2f);
    const Tensor b = test::random_uniform(fast, {c.c_out}, 23);
    const Tensor dy = test::random_uniform(fast, {2, c.size, c.size, c.c_out}, 24);
    struct Results {
      Tensor y, dx, dw, db;
    };
    auto run = [&](const Context& ctx) {
      Results r{ctx.empty(dy.shape(), DType::f32), ctx.empty(x.shape(), DType::f32), ctx.empty(w.shape(), DType::f32),
                ctx.empty(b.shape(), DType::f32)};
      conv2d_forward(ctx, x, w, b, g, r.y, Activation::silu);
      conv2d_backward_data(ctx, dy, w, g, r.dx);
      conv2d_backward_weights(ctx, x, dy, g, r.dw, r.db, 0.0f);
      return r;
    };
    const Results f = run(fast), d = run(direct);
    test::expect_close_to_scale(f.y, d.y, 2e-5, "forward with bias and SiLU");
    test::expect_close_to_scale(f.dx, d.dx, 2e-5, "backward data");
    test::expect_close_to_scale(f.dw, d.dw, 2e-5, "backward weights");
    test::expect_close_to_scale(f.db, d.db, 2e-5, "bias gradient");
    if (c.must_differ) {
      Context host;
      bool differs = false;
      for (const auto& [a, e] : {std::pair{&f.y, &d.y}, {&f.dx, &d.dx}, {&f.dw, &d.dw}}) {
        differs = differs || test::host_floats(host, *a) != test::host_floats(host, *e);
      }
      EXPECT_TRUE(differs) << "fastest and direct gave identical results: Winograd did not run";
    }
  }
}

TEST(Conv2d, MismatchedShapesAreClearErrors) {
  Context ctx;
  Tensor x = ctx.zeros({1, 8, 8, 6}, DType::f32), w = ctx.zeros({4, 3, 3, 5}, DType::f32);
  Tensor y = ctx.zeros({1, 8, 8, 4}, DType::f32);
  EXPECT_NE(error_of([&] {
              conv2d_forward(ctx, x, w, Tensor(), {1, 1, 1, 1}, y);
            }).find("input channels per group"),
            std::string::npos);
  Tensor w3 = ctx.zeros({4, 3, 3, 3}, DType::f32);
  EXPECT_NE(error_of([&] {
              conv2d_forward(ctx, x, w3, Tensor(), {1, 1, 1, 4}, y);
            }).find("not divisible"),
            std::string::npos);
  Tensor w_ok = ctx.zeros({4, 3, 3, 6}, DType::f32), y_bad = ctx.zeros({1, 4, 4, 4}, DType::f32);
  EXPECT_NE(error_of([&] {
              conv2d_forward(ctx, x, w_ok, Tensor(), {1, 1, 1, 1}, y_bad);
            }).find("y must be"),
            std::string::npos);
  Tensor half = ctx.zeros({1, 8, 8, 6}, DType::f16);
  EXPECT_NE(error_of([&] {
              conv2d_forward(ctx, half, w_ok, Tensor(), {1, 1, 1, 1}, y);
            }).find("f16 is not supported"),
            std::string::npos);
}

// bf16 on the CPU: oneDNN's bf16 kernels against the f32 path on the same
// (bf16-rounded) inputs. Both accumulate in f32, so the difference is the
// rounding of the bf16 outputs: 2^-8 relative (plus the scale floor for
// sums that cancel).
TEST(Conv2d, Bfloat16OnCpuMatchesFloat32OnRoundedInputs) {
  Context ctx;
  const Conv2dGeometry g{1, 1, 1, 1};
  auto rounded = [&](const Shape& shape, std::uint32_t seed, float bound, Tensor& as_f32) {
    Tensor t = test::random_uniform(ctx, shape, seed, -bound, bound), b = ctx.empty(shape, DType::bf16);
    copy_cast(ctx, t, b);
    as_f32 = ctx.empty(shape, DType::f32);
    copy_cast(ctx, b, as_f32);
    return b;
  };
  Tensor x32, w32, dy32;
  Tensor x = rounded({2, 10, 9, 16}, 15, 1.0f, x32), w = rounded({24, 3, 3, 16}, 16, 0.1f, w32);
  Tensor dy = rounded({2, 10, 9, 24}, 17, 1.0f, dy32);
  Tensor y = ctx.empty(dy.shape(), DType::bf16), y32 = ctx.empty(dy.shape(), DType::f32);
  Tensor dx = ctx.empty(x.shape(), DType::bf16), dx32 = ctx.empty(x.shape(), DType::f32);
  Tensor dw = ctx.empty(w.shape(), DType::bf16), dw32 = ctx.empty(w.shape(), DType::f32), none;
  conv2d_forward(ctx, x, w, none, g, y);
  conv2d_forward(ctx, x32, w32, none, g, y32);
  conv2d_backward_data(ctx, dy, w, g, dx);
  conv2d_backward_data(ctx, dy32, w32, g, dx32);
  conv2d_backward_weights(ctx, x, dy, g, dw, none, 0.0f);
  conv2d_backward_weights(ctx, x32, dy32, g, dw32, none, 0.0f);
  test::expect_close_to_scale(y, y32, 8e-3, "bf16 forward");
  test::expect_close_to_scale(dx, dx32, 8e-3, "bf16 backward data");
  test::expect_close_to_scale(dw, dw32, 8e-3, "bf16 backward weights");
}

TEST(Conv2d, FusedSiluEqualsConvThenSilu) {
  Context ctx;
  const Tensor x = test::random_uniform(ctx, {2, 9, 7, 8}, 41), w = test::random_uniform(ctx, {16, 3, 3, 8}, 42);
  const Tensor b = test::random_uniform(ctx, {16}, 43);
  const Conv2dGeometry g{2, 1, 1, 1};
  const Shape shape = conv2d_output_shape(x.shape(), w.shape(), g);
  Tensor plain = ctx.empty(shape, DType::f32), fused = ctx.empty(shape, DType::f32);
  conv2d_forward(ctx, x, w, b, g, plain);
  silu_forward(ctx, plain, plain);
  conv2d_forward(ctx, x, w, b, g, fused, Activation::silu);
  test::expect_close(fused, plain, 1e-6, 1e-7, "conv with SiLU as oneDNN's post-op");
}

TEST(BatchNorm, AccumulatesParameterGradientsAndChecksShapes) {
  Context ctx;
  BatchNorm bn{test::random_uniform(ctx, {6}, 21, 0.5f, 1.5f), test::random_uniform(ctx, {6}, 22),
               ctx.zeros({6}, DType::f32), ctx.zeros({6}, DType::f32)};
  fill(ctx, bn.running_var, 1.0);
  Tensor x = test::random_uniform(ctx, {2, 5, 5, 6}, 23), dy = test::random_uniform(ctx, {2, 5, 5, 6}, 24);
  Tensor y = ctx.empty(x.shape(), DType::f32), dx = ctx.empty(x.shape(), DType::f32);
  Tensor dgamma = ctx.empty({6}, DType::f32), dbeta = ctx.empty({6}, DType::f32);
  const BatchNormSaved saved = batchnorm_forward_train(ctx, x, bn, Activation::silu, y);
  EXPECT_EQ(saved.count, 50);
  batchnorm_backward(ctx, x, dy, bn, saved, Activation::silu, dx, dgamma, dbeta, 0.0f);
  Tensor dgamma1 = ctx.empty({6}, DType::f32), dbeta1 = ctx.empty({6}, DType::f32);
  copy_cast(ctx, dgamma, dgamma1);
  copy_cast(ctx, dbeta, dbeta1);
  batchnorm_backward(ctx, x, dy, bn, saved, Activation::silu, dx, dgamma, dbeta, 1.0f);
  scale(ctx, 2.0f, dgamma1, dgamma1);
  scale(ctx, 2.0f, dbeta1, dbeta1);
  test::expect_close(dgamma, dgamma1, 0.0, 0.0, "dgamma accumulated");
  test::expect_close(dbeta, dbeta1, 0.0, 0.0, "dbeta accumulated");

  Tensor wrong = ctx.zeros({2, 5, 5, 7}, DType::f32);
  EXPECT_NE(error_of([&] {
              batchnorm_forward_train(ctx, wrong, bn, Activation::identity, wrong);
            }).find("gamma must be f32[7]"),
            std::string::npos);
}

// The backward keeps dz = dy * act'(z) in dx between its passes: dx may take
// dy's memory (same result), and dx over x is a clear error, not garbage.
TEST(BatchNorm, BackwardOverDyMatchesAndOverXIsAClearError) {
  Context ctx;
  BatchNorm bn{test::random_uniform(ctx, {6}, 31, 0.5f, 1.5f), test::random_uniform(ctx, {6}, 32),
               ctx.zeros({6}, DType::f32), ctx.zeros({6}, DType::f32)};
  fill(ctx, bn.running_var, 1.0);
  Tensor x = test::random_uniform(ctx, {2, 5, 5, 6}, 33), y = ctx.empty(x.shape(), DType::f32);
  Tensor dgamma = ctx.empty({6}, DType::f32), dbeta = ctx.empty({6}, DType::f32);
  const BatchNormSaved saved = batchnorm_forward_train(ctx, x, bn, Activation::silu, y);
  const Tensor dy = test::random_uniform(ctx, x.shape(), 34);
  Tensor dx = ctx.empty(x.shape(), DType::f32), in_place = ctx.empty(x.shape(), DType::f32);
  batchnorm_backward(ctx, x, dy, bn, saved, Activation::silu, dx, dgamma, dbeta, 0.0f);
  copy_cast(ctx, dy, in_place);
  batchnorm_backward(ctx, x, in_place, bn, saved, Activation::silu, in_place, dgamma, dbeta, 0.0f);
  test::expect_close(in_place, dx, 0.0, 0.0, "dx written over dy");
  EXPECT_NE(error_of([&] {
              batchnorm_backward(ctx, x, dy, bn, saved, Activation::silu, x, dgamma, dbeta, 0.0f);
            }).find("dx must not share x's memory"),
            std::string::npos);
}

// The statistics survive a large common offset: E[x^2] - E[x]^2 in f32
// would lose every digit of a variance of 1e-4 around a mean of 100.
TEST(BatchNorm, StatisticsAreAccurateUnderALargeMean) {
  Context ctx;
  const std::int64_t C = 3;
  Tensor x = test::random_uniform(ctx, {4, 32, 32, C}, 25, 100.0f - 0.02f, 100.0f + 0.02f);
  BatchNorm bn{ctx.zeros({C}, DType::f32), ctx.zeros({C}, DType::f32), ctx.zeros({C}, DType::f32),
               ctx.zeros({C}, DType::f32)};
  fill(ctx, bn.gamma, 1.0);
  bn.momentum = 1.0f;  // running statistics = this batch's
  Tensor y = ctx.empty(x.shape(), DType::f32);
  batchnorm_forward_train(ctx, x, bn, Activation::identity, y);
  // Reference in double.
  const float* p = x.data<float>();
  const std::int64_t n = x.numel() / C;
  for (std::int64_t c = 0; c < C; ++c) {
    double mean = 0.0, m2 = 0.0;
    for (std::int64_t r = 0; r < n; ++r) mean += p[r * C + c];
    mean /= static_cast<double>(n);
    for (std::int64_t r = 0; r < n; ++r) m2 += (p[r * C + c] - mean) * (p[r * C + c] - mean);
    EXPECT_NEAR(bn.running_mean.data<float>()[c], mean, 1e-5);  // the spread is +-0.02
    EXPECT_NEAR(bn.running_var.data<float>()[c], m2 / static_cast<double>(n - 1),
                1e-3 * m2 / static_cast<double>(n - 1));
  }
}

// A stand-in for SyncBN with a second rank that holds the same batch: the
// statistics of the pair are those of the batch concatenated with itself.
class MirroredRankSync : public BatchNormSync {
 public:
  std::int64_t combine_moments(const Context& ctx, Tensor& mean, Tensor& m2, std::int64_t count) override {
    scale(ctx, 2.0f, m2, m2);  // same mean, so the sums of squared deviations add
    return 2 * count;
  }
  void sum_gradient_sums(const Context& ctx, Tensor& sums) override { scale(ctx, 2.0f, sums, sums); }
};

TEST(BatchNorm, SyncHookGivesTheStatisticsOfTheGlobalBatch) {
  Context ctx;
  const std::int64_t C = 5;
  auto make_bn = [&] {
    BatchNorm bn{test::random_uniform(ctx, {C}, 31, 0.5f, 1.5f), test::random_uniform(ctx, {C}, 32),
                 ctx.zeros({C}, DType::f32), ctx.zeros({C}, DType::f32)};
    fill(ctx, bn.running_var, 1.0);
    return bn;
  };
  Tensor x = test::random_uniform(ctx, {2, 4, 3, C}, 33), dy = test::random_uniform(ctx, {2, 4, 3, C}, 34);
  // Reference: one rank with the doubled batch.
  Tensor x2 = ctx.empty({4, 4, 3, C}, DType::f32), dy2 = ctx.empty({4, 4, 3, C}, DType::f32);
  for (Tensor* t : {&x2, &dy2}) {
    const Tensor& half = t == &x2 ? x : dy;
    std::memcpy(t->data<float>(), half.data<float>(), half.nbytes());
    std::memcpy(t->data<float>() + half.numel(), half.data<float>(), half.nbytes());
  }
  BatchNorm bn_ref = make_bn(), bn = make_bn();
  Tensor y2 = ctx.empty(x2.shape(), DType::f32), dx2 = ctx.empty(x2.shape(), DType::f32);
  Tensor g_ref = ctx.empty({C}, DType::f32), b_ref = ctx.empty({C}, DType::f32);
  const BatchNormSaved saved_ref = batchnorm_forward_train(ctx, x2, bn_ref, Activation::silu, y2);
  batchnorm_backward(ctx, x2, dy2, bn_ref, saved_ref, Activation::silu, dx2, g_ref, b_ref, 0.0f);

  MirroredRankSync sync;
  Tensor y = ctx.empty(x.shape(), DType::f32), dx = ctx.empty(x.shape(), DType::f32);
  Tensor g = ctx.empty({C}, DType::f32), b = ctx.empty({C}, DType::f32);
  const BatchNormSaved saved = batchnorm_forward_train(ctx, x, bn, Activation::silu, y, &sync);
  EXPECT_EQ(saved.count, saved_ref.count);
  batchnorm_backward(ctx, x, dy, bn, saved, Activation::silu, dx, g, b, 0.0f, &sync);

  const std::int64_t n = x.numel();
  test::expect_close(y.data<float>(), y2.data<float>(), n, 1e-6, 1e-7, "y with synced statistics");
  test::expect_close(dx.data<float>(), dx2.data<float>(), n, 1e-5, 1e-7, "dx with synced gradient sums");
  test::expect_close(bn.running_mean, bn_ref.running_mean, 1e-6, 1e-7, "running mean");
  test::expect_close(bn.running_var, bn_ref.running_var, 1e-6, 1e-7, "running var (unbiased, global count)");
  // Parameter gradients stay this rank's share: half the doubled batch's.
  scale(ctx, 0.5f, g_ref, g_ref);
  scale(ctx, 0.5f, b_ref, b_ref);
  test::expect_close(g, g_ref, 1e-5, 1e-7, "dgamma is the local share");
  test::expect_close(b, b_ref, 1e-5, 1e-7, "dbeta is the local share");
}

TEST(Pool, UpsampleAndChannelsRejectMismatchedShapes) {
  Context ctx;
  Tensor x = ctx.zeros({1, 4, 4, 2}, DType::f32), y = ctx.zeros({1, 4, 4, 2}, DType::f32);
  Tensor argmax = ctx.zeros({1, 4, 4, 2}, DType::i32);
  EXPECT_NE(error_of([&] { maxpool2d_forward(ctx, x, {3, 2, 1}, y, argmax); }).find("y must be"), std::string::npos);
  EXPECT_NE(error_of([&] {
              maxpool2d_forward(ctx, x, {3, 1, 2}, y, argmax);
            }).find("padding at most half"),
            std::string::npos);
  EXPECT_NE(error_of([&] { upsample_nearest_forward(ctx, x, 2, y); }).find("x2 upsampling"), std::string::npos);
  std::vector<Tensor> parts = {ctx.zeros({1, 4, 4, 1}, DType::f32)};
  EXPECT_NE(error_of([&] { split_channels(ctx, x, parts); }).find("1 channels in all"), std::string::npos);
  Tensor no_channels = ctx.zeros({1, 4, 4, 0}, DType::f32), big = ctx.zeros({1, 8, 8, 0}, DType::f32);
  EXPECT_NE(error_of([&] { upsample_nearest_forward(ctx, no_channels, 2, big); }).find("C > 0"), std::string::npos);
  Tensor w = ctx.zeros({4, 3, 3, 2}, DType::f32);
  EXPECT_NE(error_of([&] {
              conv2d_output_shape({1, 2, 2, 2}, w.shape(), {2, 0, 1, 1});
            }).find("does not fit"),
            std::string::npos)
      << "a 3x3 kernel on a 2x2 input without padding must be refused even with stride 2";
}

}  // namespace
}  // namespace yolo
