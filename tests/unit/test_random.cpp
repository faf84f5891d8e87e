#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/ops/elementwise.h"
#include "kernels/philox.h"

namespace yolo {
namespace {

// Random123's published known-answer vectors for Philox4x32-10
// (tests/kat_vectors of the Random123 distribution).
TEST(Philox, MatchesTheRandom123KnownAnswers) {
  struct Kat {
    PhiloxBlock counter;
    std::uint32_t k0, k1;
    PhiloxBlock expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffff,
       0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0xa4093822,
       0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& k : kats) {
    const PhiloxBlock out = philox4x32_10(k.counter, k.k0, k.k1);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out.v[i], k.expected.v[i]) << std::hex << k.counter.v[0] << " word " << i;
  }
  EXPECT_EQ(uniform_from_bits(0), 0.0f);
  EXPECT_LT(uniform_from_bits(0xffffffffu), 1.0f);
}

TEST(FillUniform, ReproducibleFromTheSeedAndFreshOnEveryDraw) {
  Context a(Device::cpu(), {.seed = 42}), b(Device::cpu(), {.seed = 42}), c(Device::cpu(), {.seed = 43});
  Tensor x1 = a.empty({1001}, DType::f32), x2 = a.empty({1001}, DType::f32);
  Tensor y1 = b.empty({1001}, DType::f32), z1 = c.empty({1001}, DType::f32);
  fill_uniform(a, x1, -1.0f, 1.0f);
  fill_uniform(a, x2, -1.0f, 1.0f);  // the next offset: a different draw
  fill_uniform(b, y1, -1.0f, 1.0f);  // same seed, same first draw
  fill_uniform(c, z1, -1.0f, 1.0f);  // another seed
  EXPECT_EQ(std::memcmp(x1.raw_data(), y1.raw_data(), x1.nbytes()), 0);
  EXPECT_NE(std::memcmp(x1.raw_data(), x2.raw_data(), x1.nbytes()), 0);
  EXPECT_NE(std::memcmp(x1.raw_data(), z1.raw_data(), x1.nbytes()), 0);
  Tensor bad = a.empty({4}, DType::i32);
  EXPECT_THROW(fill_uniform(a, bad, 0.0f, 1.0f), Error);
  EXPECT_THROW(fill_uniform(a, x1, 1.0f, 1.0f), Error);
}

TEST(FillUniform, HasTheMomentsOfAUniformDistribution) {
  Context ctx(Device::cpu(), {.seed = 7});
  const std::int64_t n = 1 << 20;
  Tensor x = ctx.empty({n}, DType::f32);
  fill_uniform(ctx, x, 2.0f, 5.0f);
  const float* p = x.data<float>();
  double mean = 0, var = 0;
  for (std::int64_t i = 0; i < n; ++i) mean += p[i];
  mean /= n;
  for (std::int64_t i = 0; i < n; ++i) var += (p[i] - mean) * (p[i] - mean);
  var /= n;
  // Standard errors for n = 2^20: mean 0.00085, variance 0.00078; bounds at ~6 sigma.
  EXPECT_NEAR(mean, 3.5, 0.005);
  EXPECT_NEAR(var, 9.0 / 12.0, 0.005);
  EXPECT_GE(*std::min_element(p, p + n), 2.0f);
  EXPECT_LT(*std::max_element(p, p + n), 5.0f);
}

}  // namespace
}  // namespace yolo
