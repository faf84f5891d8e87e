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
YOLO_HD YOLO_ALWAYS_INLINE float fast_exp(float x) {
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

// log(x) for normal x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)),
// f = m - 1, log x = f - f^2/2 + f^3 P(f) + e ln2, Cephes' degree-8 P and
// ln2 split in two (as fast_exp). Plain arithmetic, so loops vectorise.
// Max relative error about 2 ulp (checked against double log in the tests).
YOLO_HD YOLO_ALWAYS_INLINE float fast_log(float x) {
  const std::uint32_t bits = float_bits(x);
  int e = static_cast<int>(bits >> 23) - 126;                // x = m 2^e, m in [0.5, 1)
  float m = bits_float((bits & 0x007fffffu) | 0x3f000000u);  // the mantissa in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1 : e;
  const float f = low ? m + m - 1.0f : m - 1.0f;
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  const float ef = static_cast<float>(e);
  float y = p * f * z;
  y += -2.12194440e-4f * ef;
  y += -0.5f * z;
  return f + y + 0.693359375f * ef;
}

// log(1 + u) for u in [0, 1]: w = 1 + u rounds u to w - 1; adding the
// first-order correction (u - (w - 1)) / w recovers the lost part, and for
// tiny u (w == 1) it is u itself. No branch, so loops vectorise.
YOLO_HD YOLO_ALWAYS_INLINE float fast_log1p_unit(float u) {
  const float w = 1.0f + u;
  return fast_log(w) + (u - (w - 1.0f)) / w;
}

// sigmoid(x) = 1 / (1 + exp(-x))
YOLO_HD YOLO_ALWAYS_INLINE float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

}  // namespace yolo
