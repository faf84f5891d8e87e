// Elementwise ops on the cpu backend: semantics and argument checks. The
// numeric comparison against PyTorch is in tests/oracle/.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/elementwise.h"
#include "kernels/numeric.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(Elementwise, FillWritesEveryDtype) {
  Context ctx;
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    Tensor x = ctx.empty({100003}, t);  // large and odd: the parallel path and a remainder
    fill(ctx, x, 3.0);
    const std::vector<float> v = test::host_floats(ctx, x);
    for (float e : v) ASSERT_EQ(e, 3.0f) << dtype_name(t);
  }
}

TEST(Elementwise, AxpyAccumulatesAndScaleMayAlias) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {5, 7}, 11), y = test::random_uniform(ctx, {5, 7}, 12);
  std::vector<float> expected(35);
  for (int i = 0; i < 35; ++i) expected[i] = y.data<float>()[i] + 0.5f * x.data<float>()[i];
  axpy(ctx, 0.5f, x, y);
  test::expect_close(y.data<float>(), expected.data(), 35, 0, 0, "axpy");
  for (int i = 0; i < 35; ++i) expected[i] = -2.0f * y.data<float>()[i];
  scale(ctx, -2.0f, y, y);
  test::expect_close(y.data<float>(), expected.data(), 35, 0, 0, "scale in place");
}

TEST(Elementwise, SiluBackwardMatchesFiniteDifferences) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {257}, 13, -6.0f, 6.0f);
  Tensor ones = ctx.empty({257}, DType::f32), dx = ctx.empty({257}, DType::f32);
  fill(ctx, ones, 1.0);
  silu_backward(ctx, x, ones, dx);
  for (int i = 0; i < 257; ++i) {
    const double v = x.data<float>()[i], h = 1e-3;
    auto silu = [](double t) { return t / (1.0 + std::exp(-t)); };
    const double numeric = (silu(v + h) - silu(v - h)) / (2 * h);
    EXPECT_NEAR(dx.data<float>()[i], numeric, 1e-5) << "x = " << v;
  }
}

TEST(Elementwise, CastsBetweenAllDtypes) {
  Context ctx;
  Tensor src = ctx.empty({4}, DType::f32);
  const float values[4] = {-1.75f, 0.0f, 2.5f, 200.25f};
  std::copy(values, values + 4, src.data<float>());
  // f32 -> t -> f32. bf16 keeps 8 significant bits (200.25 -> 200); integers
  // truncate toward zero; u8 saturates at 0.
  const struct {
    DType dtype;
    float back[4];
  } cases[] = {
      {DType::f16, {-1.75f, 0.0f, 2.5f, 200.25f}}, {DType::bf16, {-1.75f, 0.0f, 2.5f, 200.0f}},
      {DType::u8, {0.0f, 0.0f, 2.0f, 200.0f}},     {DType::i32, {-1.0f, 0.0f, 2.0f, 200.0f}},
      {DType::i64, {-1.0f, 0.0f, 2.0f, 200.0f}},
  };
  for (const auto& c : cases) {
    Tensor mid = ctx.empty({4}, c.dtype), back = ctx.empty({4}, DType::f32);
    copy_cast(ctx, src, mid);
    copy_cast(ctx, mid, back);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(back.data<float>()[i], c.back[i]) << dtype_name(c.dtype) << " " << values[i];
  }
}

TEST(Elementwise, RejectsBadOperands) {
  Context ctx;
  Tensor a = ctx.empty({4, 4}, DType::f32), b = ctx.empty({4, 3}, DType::f32);
  Tensor h = ctx.empty({4, 4}, DType::f16), i = ctx.empty({4, 4}, DType::i32);
  EXPECT_THROW(silu_forward(ctx, a, b), Error);  // shape
  EXPECT_THROW(silu_forward(ctx, a, h), Error);  // dtype
  EXPECT_THROW(silu_forward(ctx, i, i), Error);  // not a float
  Tensor strided = a.slice(1, 0, 3);
  EXPECT_THROW(silu_forward(ctx, strided, b), Error);  // not contiguous
  Tensor undefined;
  EXPECT_THROW(fill(ctx, undefined, 0.0), Error);
  try {
    axpy(ctx, 1.0f, a, b);
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("axpy: shapes differ"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace yolo
