#pragma once
// defines: fast_exp and sigmoid, written in plain arithmetic so that the
// CPU loop vectorises (glibc's expf does not without -ffast-math) and the
// GPU runs the very same operations.
#include <cmath>

#include "engine/core/hd.h"
#include "kernels/numeric.h"

namespace yolo {

// exp(x) = 2^k * exp(r), k = round(x / ln2), r = x - k*ln2 in [-ln2/2, ln2/2];
// exp(r) by Cephes' degree-7 polynomial; ln2 split in two for an exact r.
// k is rounded by adding and subtracting 1.5 * 2^23 (plain arithmetic: floorf
// would stop g++ from vectorising the loop).
// Max relative error 2 ulp (checked against double exp in the tests);
// x > 88.72 gives +inf, x < -87.33 gives 0 (no subnormal results).
YOLO_HD float fast_exp(float x) {
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  const float k = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = (x - k * 0.693359375f) + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e_r = p * r * r + r + 1.0f;
  // 2^k through exponent bits, as two factors 2^k1 * 2^k2 (k = k1 + k2) so that
  // k = 128 (x just below the overflow point) and k = -126 stay representable.
  const int ki = static_cast<int>(k < -126.0f ? -126.0f : (k > 128.0f ? 128.0f : k));
  const int k1 = ki >> 1;
  const float scaled = e_r * bits_float(static_cast<std::uint32_t>(k1 + 127) << 23) *
                       bits_float(static_cast<std::uint32_t>(ki - k1 + 127) << 23);
  return x > 88.7228317f ? INFINITY : (x < -87.3365479f ? 0.0f : scaled);
}

// sigmoid(x) = 1 / (1 + exp(-x))
YOLO_HD float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

}  // namespace yolo
