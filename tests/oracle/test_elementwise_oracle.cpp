// Elementwise ops against PyTorch (autograd for the gradients).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/ops/elementwise.h"
#include "kernels/numeric.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

// Mixes a wide uniform range with the edge values SiLU must get right.
Tensor silu_inputs(const Context& ctx, std::int64_t n, std::uint32_t seed) {
  Tensor x = test::random_uniform(ctx, {n}, seed, -12.0f, 12.0f);
  const float edges[] = {0.0f, -0.0f, 1e-8f, -1e-8f, 30.0f, -30.0f, 88.0f, -88.0f, 100.0f, -100.0f};
  std::copy(std::begin(edges), std::end(edges), x.data<float>());
  return x;
}

struct SiluCase {
  DType dtype;
  double rtol, atol;            // forward
  double grad_rtol, grad_atol;  // backward
};

class SiluOracle : public ::testing::TestWithParam<SiluCase> {};

TEST_P(SiluOracle, ForwardAndGradientMatchTorch) {
  const SiluCase c = GetParam();
  Context ctx;
  const std::int64_t n = 70001;  // odd: vector remainder and the parallel path
  Tensor x32 = silu_inputs(ctx, n, 101), dy32 = test::random_uniform(ctx, {n}, 102, -2.0f, 2.0f);
  test::Oracle oracle("elementwise_oracle.py");
  oracle.put("x", x32);
  oracle.put("dy", dy32);
  oracle.run("silu", {{"dtype", std::string(dtype_name(c.dtype))}});

  Tensor x = ctx.empty({n}, c.dtype), dy = ctx.empty({n}, c.dtype);
  copy_cast(ctx, x32, x);
  copy_cast(ctx, dy32, dy);
  Tensor y = ctx.empty({n}, c.dtype), dx = ctx.empty({n}, c.dtype);
  silu_forward(ctx, x, y);
  silu_backward(ctx, x, dy, dx);
  const auto y_ref = oracle.get("y"), dx_ref = oracle.get("dx");
  const std::vector<float> yv = test::host_floats(ctx, y), dxv = test::host_floats(ctx, dx);
  test::expect_close(yv.data(), y_ref.as<float>(), n, c.rtol, c.atol, "silu forward");
  test::expect_close(dxv.data(), dx_ref.as<float>(), n, c.grad_rtol, c.grad_atol, "silu backward");
}

// f32: the architecture's 1e-5 forward / 1e-4 gradient. Forward atol 1e-30
// covers torch's subnormal results where ours flush to 0 (x < -87). The
// gradient dy*s*(1 + x*(1-s)) crosses zero at x = -1.278, where the bracket
// cancels: there a 1-ulp difference in s (our exp vs torch's) is a large
// relative error, so the gradient also gets atol 1e-7 (a few ulp of dy*s,
// |dy| <= 2). 16-bit: one unit in the last place of the format, as our f32
// exp and torch's may round a result to the neighbouring 16-bit value.
INSTANTIATE_TEST_SUITE_P(Dtypes, SiluOracle,
                         ::testing::Values(SiluCase{DType::f32, 1e-5, 1e-30, 1e-4, 1e-7},
                                           SiluCase{DType::f16, 1e-3, 1e-7, 1e-3, 1e-7},
                                           SiluCase{DType::bf16, 8e-3, 1e-30, 8e-3, 1e-30}),
                         [](const auto& info) { return std::string(dtype_name(info.param.dtype)); });

TEST(CastOracle, FloatToHalfAndBfloat16BitForBit) {
  Context ctx;
  const std::int64_t n = 50000;
  Tensor x = test::random_uniform(ctx, {n}, 103, -70000.0f, 70000.0f);
  float* p = x.data<float>();
  // Scale a slice into the subnormal and tiny ranges, plus exact edge values.
  for (std::int64_t i = 0; i < 10000; ++i) p[i] *= 1e-9f;
  for (std::int64_t i = 10000; i < 20000; ++i) p[i] *= 1e-4f;
  const float edges[] = {65504.0f, 65519.0f, 65520.0f, -65520.0f, 6.1035156e-5f, 2.9802322e-8f, 0.0f, -0.0f, 1.0f,
                         1.00048828125f, 3.4e38f, -3.4e38f};
  std::copy(std::begin(edges), std::end(edges), p + 20000);
  test::Oracle oracle("elementwise_oracle.py");
  oracle.put("x", x);
  oracle.run("cast");

  Tensor h = ctx.empty({n}, DType::f16), b = ctx.empty({n}, DType::bf16);
  copy_cast(ctx, x, h);
  copy_cast(ctx, x, b);
  const auto h_ref = oracle.get("half_bits"), b_ref = oracle.get("bf16_bits");
  int half_mismatch = 0, bf16_mismatch = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    half_mismatch += h.data<Half>()[i].bits != h_ref.as<std::uint16_t>()[i];
    bf16_mismatch += b.data<BFloat16>()[i].bits != b_ref.as<std::uint16_t>()[i];
  }
  EXPECT_EQ(half_mismatch, 0);
  EXPECT_EQ(bf16_mismatch, 0);

  // Every half bit pattern to float (NaNs compared as NaN).
  Tensor every = ctx.empty({65536}, DType::f16), as_float = ctx.empty({65536}, DType::f32);
  for (int i = 0; i < 65536; ++i) every.data<Half>()[i].bits = static_cast<std::uint16_t>(i);
  copy_cast(ctx, every, as_float);
  test::expect_close(as_float.data<float>(), oracle.get("every_half_as_float").as<float>(), 65536, 0, 0,
                     "half -> float");
}

TEST(AxpyScaleOracle, MatchTorch) {
  Context ctx;
  const std::int64_t n = 40000;
  Tensor x = test::random_uniform(ctx, {n}, 104, -5.0f, 5.0f), y = test::random_uniform(ctx, {n}, 105, -5.0f, 5.0f);
  test::Oracle oracle("elementwise_oracle.py");
  oracle.put("x", x);
  oracle.put("y", y);
  oracle.run("axpy_scale", {{"alpha", -0.37}});
  Tensor scaled = ctx.empty({n}, DType::f32);
  scale(ctx, -0.37f, x, scaled);
  axpy(ctx, -0.37f, x, y);
  // 1 ulp: torch may fuse the multiply-add.
  test::expect_close(y.data<float>(), oracle.get("axpy").as<float>(), n, 2.4e-7, 1e-6, "axpy");
  test::expect_close(scaled.data<float>(), oracle.get("scale").as<float>(), n, 0, 0, "scale");
}

// In-range values only: torch.full refuses a value a half cannot hold, where
// fill gives inf (as a cast does).
TEST(FillOracle, ValuesRoundLikeTorchFull) {
  const std::vector<double> values = {0.1, 1.0 / 3.0, -2.5, 65503.5, 1e-6, 3e-8, 60000.7, -7.9};
  test::Oracle oracle("elementwise_oracle.py");
  oracle.run("fill", {{"values", values}});
  Context ctx;
  const auto f32 = oracle.get("f32"), f16 = oracle.get("f16_bits"), bf16 = oracle.get("bf16_bits"),
             i32 = oracle.get("i32");
  for (std::size_t i = 0; i < values.size(); ++i) {
    Tensor a = ctx.empty({3}, DType::f32), h = ctx.empty({3}, DType::f16), b = ctx.empty({3}, DType::bf16),
           n = ctx.empty({3}, DType::i32);
    fill(ctx, a, values[i]);
    fill(ctx, h, values[i]);
    fill(ctx, b, values[i]);
    fill(ctx, n, values[i]);
    EXPECT_EQ(a.data<float>()[2], f32.as<float>()[i]) << values[i];
    EXPECT_EQ(h.data<Half>()[2].bits, f16.as<std::uint16_t>()[i]) << values[i];
    EXPECT_EQ(b.data<BFloat16>()[2].bits, bf16.as<std::uint16_t>()[i]) << values[i];
    EXPECT_EQ(n.data<std::int32_t>()[2], i32.as<std::int32_t>()[i]) << values[i];
  }
}

}  // namespace
}  // namespace yolo
