// Primitives<Cpu>: against straightforward references, at sizes around
// powers of two (as Thrust tests), and independent of the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "kernels/primitives.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using P = Primitives<Cpu>;

const std::int64_t kSizes[] = {1, 31, 32, 33, 1023, 1024, 1025, 16383, 16384, 16385, 100003};

TEST(Primitives, SumAndMaxAtSizesAroundPowersOfTwo) {
  Context ctx;
  for (std::int64_t n : kSizes) {
    Tensor x = test::random_uniform(ctx, {n}, static_cast<std::uint32_t>(n));
    const float* p = x.data<float>();
    float sum = 0, max = 0;
    P::sum(ctx, p, n, &sum);
    P::max(ctx, p, n, &max);
    const double exact = std::accumulate(p, p + n, 0.0);
    EXPECT_NEAR(sum, exact, 1e-6 * n) << n;
    EXPECT_EQ(max, *std::max_element(p, p + n)) << n;
  }
  float empty_max = 0;
  P::max(ctx, nullptr, 0, &empty_max);
  EXPECT_EQ(empty_max, -std::numeric_limits<float>::infinity());
}

TEST(Primitives, SumDoesNotDependOnTheThreadCount) {
  Context one(Device::cpu(), {.num_threads = 1}), two(Device::cpu(), {.num_threads = 2});
  Tensor x = test::random_uniform(one, {1 << 20}, 5, -1e3f, 1e3f);
  float a = 0, b = 0;
  P::sum(one, x.data<float>(), x.numel(), &a);
  P::sum(two, x.data<float>(), x.numel(), &b);
  EXPECT_EQ(a, b);  // bit for bit
}

TEST(Primitives, SegmentedReductionsIncludingEmptySegments) {
  Context ctx;
  Tensor x = test::random_uniform(ctx, {100}, 21);
  const std::int64_t offsets[] = {0, 10, 10, 55, 99, 100};  // segment 1 is empty
  float sums[5], maxes[5];
  P::segmented_sum(ctx, x.data<float>(), offsets, 5, sums);
  P::segmented_max(ctx, x.data<float>(), offsets, 5, maxes);
  for (int s = 0; s < 5; ++s) {
    const float* b = x.data<float>() + offsets[s];
    const float* e = x.data<float>() + offsets[s + 1];
    EXPECT_NEAR(sums[s], std::accumulate(b, e, 0.0), 1e-5) << s;
    EXPECT_EQ(maxes[s], b == e ? -std::numeric_limits<float>::infinity() : *std::max_element(b, e)) << s;
  }
}

TEST(Primitives, ExclusiveScanInPlace) {
  Context ctx;
  std::vector<std::int32_t> v = {3, 0, 5, 1, 1, 7};
  P::exclusive_scan(ctx, v.data(), 6, v.data());
  EXPECT_EQ(v, (std::vector<std::int32_t>{0, 3, 3, 8, 9, 10}));
}

TEST(Primitives, SortByKeyIsStableBothWays) {
  Context ctx;
  std::vector<float> keys = {2, 1, 2, 3, 1, 2};
  std::vector<std::int32_t> values = {0, 1, 2, 3, 4, 5};
  P::sort_by_key(ctx, keys.data(), values.data(), 6, SortOrder::descending);
  EXPECT_EQ(keys, (std::vector<float>{3, 2, 2, 2, 1, 1}));
  EXPECT_EQ(values, (std::vector<std::int32_t>{3, 0, 2, 5, 1, 4}));
  P::sort_by_key(ctx, keys.data(), values.data(), 6, SortOrder::ascending);
  EXPECT_EQ(keys, (std::vector<float>{1, 1, 2, 2, 2, 3}));
  EXPECT_EQ(values, (std::vector<std::int32_t>{1, 4, 0, 2, 5, 3}));
}

TEST(Primitives, TopKPerRowWithTiesByLowerIndex) {
  Context ctx;
  const float m[] = {0.5f, 0.9f, 0.5f, 0.1f, 0.9f,   // row 0: ties at 0.9 and 0.5
                     1.0f, 2.0f, 3.0f, 4.0f, 5.0f};  // row 1
  float values[6];
  std::int32_t indices[6];
  P::top_k(ctx, m, 2, 5, 3, values, indices);
  EXPECT_EQ(std::vector<float>(values, values + 6), (std::vector<float>{0.9f, 0.9f, 0.5f, 5, 4, 3}));
  EXPECT_EQ(std::vector<std::int32_t>(indices, indices + 6), (std::vector<std::int32_t>{1, 4, 0, 4, 3, 2}));
  EXPECT_THROW(P::top_k(ctx, m, 2, 5, 6, values, indices), Error);
}

}  // namespace
}  // namespace yolo
