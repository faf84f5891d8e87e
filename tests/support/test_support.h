#pragma once
// defines: helpers every test uses: seeded random tensors (the seed goes into
// the test log), and closeness checks that report the worst element.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/context.h"

namespace yolo::test {

// Host tensor of uniform values in [lo, hi), from a fixed seed.
Tensor random_uniform(const Context& ctx, const Shape& shape, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// Every |actual - expected| <= atol + rtol * |expected|; NaN must match NaN.
// Fails the current test with the worst element, its index and value.
void expect_close(const float* actual, const float* expected, std::int64_t n, double rtol, double atol,
                  const std::string& what);
void expect_close(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what);

// expect_close with the absolute floor at rtol * max|expected|: for sums of
// many products (conv, reductions), an element that cancels to near zero
// carries the rounding of its large terms, which only the tensor's scale bounds.
void expect_close_to_scale(const Tensor& actual, const Tensor& expected, double rtol, const std::string& what);
void expect_close_to_scale(const float* actual, const float* expected, std::int64_t n, double rtol,
                           const std::string& what);

// Runs f and returns the message of the yolo::Error it throws ("" if none):
// tests of clear errors check what the message says.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

// The tensor's values as f32 on the host (converting f16/bf16).
std::vector<float> host_floats(const Context& ctx, const Tensor& t);

}  // namespace yolo::test
