#include "tests/support/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "engine/core/copy.h"
#include "kernels/numeric.h"

namespace yolo::test {

Tensor random_uniform(const Context& ctx, const Shape& shape, std::uint32_t seed, float lo, float hi) {
  ::testing::Test::RecordProperty("seed", static_cast<int>(seed));
  Tensor t = ctx.empty_host(shape, DType::f32);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = u(rng);
  return t;
}

void expect_close(const float* actual, const float* expected, std::int64_t n, double rtol, double atol,
                  const std::string& what) {
  std::int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = actual[i], e = expected[i];
    if (std::isnan(e) || std::isnan(a)) {
      if (std::isnan(e) != std::isnan(a)) {
        ++bad;
        if (worst < 0) worst = i;
      }
      continue;
    }
    const double excess = std::abs(a - e) - (atol + rtol * std::abs(e));
    if (excess > 0 || (std::isinf(e) && a != e)) {
      ++bad;
      if (worst < 0 || excess > worst_excess) {
        worst = i;
        worst_excess = excess;
      }
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << n << " elements outside rtol " << rtol << " atol " << atol
                    << "; worst at " << worst << ": got " << (worst >= 0 ? actual[worst] : 0.0f) << ", expected "
                    << (worst >= 0 ? expected[worst] : 0.0f);
}

void expect_close(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": " << actual.str() << " vs " << expected.str();
  Context host;
  const std::vector<float> a = host_floats(host, actual), e = host_floats(host, expected);
  expect_close(a.data(), e.data(), static_cast<std::int64_t>(a.size()), rtol, atol, what);
}

void expect_close_to_scale(const float* actual, const float* expected, std::int64_t n, double rtol,
                           const std::string& what) {
  double scale = 0.0;
  for (std::int64_t i = 0; i < n; ++i) scale = std::max(scale, static_cast<double>(std::abs(expected[i])));
  expect_close(actual, expected, n, rtol, rtol * scale, what);
}

void expect_close_to_scale(const Tensor& actual, const Tensor& expected, double rtol, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": " << actual.str() << " vs " << expected.str();
  Context host;
  const std::vector<float> a = host_floats(host, actual), e = host_floats(host, expected);
  expect_close_to_scale(a.data(), e.data(), static_cast<std::int64_t>(a.size()), rtol, what);
}

std::vector<float> host_floats(const Context& ctx, const Tensor& t) {
  YOLO_CHECK(t.device().is_cpu(), "host_floats: {} is not on the host", t.str());
  std::vector<float> out(static_cast<std::size_t>(t.numel()));
  visit_dtype(t.dtype(), [&]<class T>() {
    const T* p = t.data<T>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = convert<float>(p[i]);
  });
  return out;
}

}  // namespace yolo::test
