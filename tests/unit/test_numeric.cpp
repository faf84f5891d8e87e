#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/math.h"
#include "kernels/numeric.h"

namespace yolo {
namespace {

TEST(Half, EveryBitPatternSurvivesARoundTrip) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_to_float(float_to_half(f)))) << h;
    } else {
      EXPECT_EQ(float_to_half(f), h) << "half bits " << h << " -> " << f;
    }
  }
}

TEST(Half, KnownValuesAndRounding) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);            // largest half
  EXPECT_EQ(float_to_half(65519.99f), 0x7bff);           // still rounds down
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);            // halfway: rounds to even = inf
  EXPECT_EQ(float_to_half(5.9604645e-8f), 0x0001);       // smallest subnormal
  EXPECT_EQ(float_to_half(2.9802322e-8f), 0x0000);       // exactly half of it: ties to even (0)
  EXPECT_EQ(float_to_half(2.9802326e-8f), 0x0001);       // just above half: rounds up
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3c00);  // tie between 1 and 1+2^-10: even (1)
  EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3c02);  // tie: even (1+2^-9)
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(bits_float(0x3f808000u)), 0x3f80);  // tie, even below
  EXPECT_EQ(float_to_bf16(bits_float(0x3f818000u)), 0x3f82);  // tie, even above
  EXPECT_EQ(float_to_bf16(bits_float(0x3f808001u)), 0x3f81);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::quiet_NaN()), 0x7fc0);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
}

TEST(Convert, FloatToIntegerTruncatesAndSaturates) {
  EXPECT_EQ((convert<std::int32_t>(2.9f)), 2);
  EXPECT_EQ((convert<std::int32_t>(-2.9f)), -2);
  EXPECT_EQ((convert<std::uint8_t>(300.0f)), 255);
  EXPECT_EQ((convert<std::uint8_t>(-5.0f)), 0);
  EXPECT_EQ((convert<std::int32_t>(3e9f)), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ((convert<std::int64_t>(-1e30f)), std::numeric_limits<std::int64_t>::lowest());
  EXPECT_EQ((convert<std::int32_t>(std::numeric_limits<float>::quiet_NaN())), 0);
  EXPECT_EQ((convert<float>(Half{0x3c00})), 1.0f);
  EXPECT_EQ((convert<BFloat16>(Half{0x4000}).bits), 0x4000);  // 2.0 via float
  EXPECT_EQ((convert<std::int64_t>(std::int32_t{-7})), -7);
}

TEST(FastExp, WithinTwoUlpOfExpOverItsWholeRange) {
  // Relative error bound: 2 ulp of float = 2^-22 ~ 2.4e-7.
  double worst = 0.0;
  for (double x = -87.3; x <= 88.7; x += 1.0e-3) {
    const float xf = static_cast<float>(x);
    const double exact = std::exp(static_cast<double>(xf));
    worst = std::max(worst, std::abs(fast_exp(xf) - exact) / exact);
  }
  EXPECT_LT(worst, 2.4e-7);
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_EQ(fast_exp(100.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fast_exp(-100.0f), 0.0f);
  EXPECT_TRUE(std::isnan(fast_exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(sigmoid(-100.0f), 0.0f);
  EXPECT_EQ(sigmoid(100.0f), 1.0f);
}

TEST(FastLog, WithinTwoUlpOfLogAndLog1pOnTheUnitInterval) {
  // Normal floats from 1e-30 to 1e30, every mantissa region: within 2 ulp of
  // double log; log1p of [0, 1] (what BCE needs) within 2 ulp of log1p.
  double worst = 0.0;
  for (double x = 1e-30; x < 1e30; x *= 1.0001) {
    const float xf = static_cast<float>(x);
    const double exact = std::log(static_cast<double>(xf));
    if (std::abs(exact) < 1e-3) continue;  // near x = 1 the absolute error matters: checked below
    worst = std::max(worst, std::abs(fast_log(xf) - exact) / std::abs(exact));
  }
  EXPECT_LT(worst, 2.4e-7);
  double worst_p = 0.0;
  for (double u = 0.0; u <= 1.0; u += 1e-6) {
    const float uf = static_cast<float>(u);
    const double exact = std::log1p(static_cast<double>(uf));
    if (exact == 0.0) continue;
    worst_p = std::max(worst_p, std::abs(fast_log1p_unit(uf) - exact) / exact);
  }
  EXPECT_LT(worst_p, 2.4e-7);
  EXPECT_EQ(fast_log(1.0f), 0.0f);
  EXPECT_EQ(fast_log1p_unit(0.0f), 0.0f);
}

}  // namespace
}  // namespace yolo
