#pragma once
// defines: bit casts and conversions between float and the 16-bit floats
// (IEEE half, bfloat16) with round-to-nearest-even, and convert<To>(from),
// the element conversion every kernel uses. Same code on host and device.
#include <cstdint>
#include <limits>
#include <type_traits>
#if !defined(__CUDA_ARCH__)
#include <bit>
#endif

#include "engine/core/dtype.h"
#include "engine/core/hd.h"

namespace yolo {

YOLO_HD std::uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  return std::bit_cast<std::uint32_t>(f);
#endif
}

YOLO_HD float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  return std::bit_cast<float>(u);
#endif
}

// half bits -> float: exact (every half is a float).
YOLO_HD float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1fu) return bits_float(sign | 0x7f800000u | (mantissa << 13));            // inf, NaN
  if (exponent != 0) return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));  // rebias 15 -> 127
  // zero or subnormal: mantissa * 2^-24, exact in float
  const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
  return sign ? -magnitude : magnitude;
}

// float -> half bits, rounding to nearest even; overflow gives inf, NaN stays NaN.
YOLO_HD std::uint16_t float_to_half(float f) {
  const std::uint32_t x = float_bits(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);   // NaN
  if (ax >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (ax >= 0x38800000u) {
    // normal half (|f| >= 2^-14): rebias the exponent, round away 13 mantissa bits
    const std::uint32_t rebiased = ax - 0x38000000u;
    return static_cast<std::uint16_t>(sign | ((rebiased + 0x0fffu + ((rebiased >> 13) & 1u)) >> 13));
  }
  if (ax < 0x33000000u) return static_cast<std::uint16_t>(sign);  // |f| < 2^-25 rounds to zero
  // subnormal half: q = round(|f| / 2^-24), from the 24-bit significand
  const std::uint32_t significand = (ax & 0x7fffffu) | 0x800000u;
  const std::uint32_t shift = 126u - (ax >> 23);  // 14 .. 24
  std::uint32_t q = significand >> shift;
  const std::uint32_t rest = significand & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  if (rest > halfway || (rest == halfway && (q & 1u))) ++q;
  return static_cast<std::uint16_t>(sign | q);
}

YOLO_HD float bf16_to_float(std::uint16_t b) { return bits_float(static_cast<std::uint32_t>(b) << 16); }

// float -> bfloat16 bits, rounding to nearest even; NaN becomes the quiet NaN 0x7fc0.
YOLO_HD std::uint16_t float_to_bf16(float f) {
  const std::uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>(((x >> 16) & 0x8000u) | 0x7fc0u);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

template <class T>
YOLO_HD float to_float(T v) {
  return static_cast<float>(v);
}
template <>
YOLO_HD float to_float<Half>(Half v) {
  return half_to_float(v.bits);
}
template <>
YOLO_HD float to_float<BFloat16>(BFloat16 v) {
  return bf16_to_float(v.bits);
}

// Element conversion. Float to integer truncates toward zero and saturates
// at the integer's range (NaN gives 0); integers widen exactly.
template <class To, class From>
YOLO_HD To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half{float_to_half(to_float(v))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{float_to_bf16(to_float(v))};
  } else if constexpr (std::is_same_v<To, float>) {
    return to_float(v);
  } else if constexpr (std::is_integral_v<From>) {
    return static_cast<To>(v);  // integer -> integer: the C++ conversion
  } else {
    // 16/32-bit float -> integer. lowest/highest are exact or round up to a
    // power of two, so every f strictly between them truncates in range.
    using Limits = std::numeric_limits<To>;
    constexpr float lowest = static_cast<float>(Limits::lowest());
    constexpr float highest = static_cast<float>(Limits::max());
    const float f = to_float(v);
    if (f != f) return To(0);
    if (f <= lowest) return Limits::lowest();
    if (f >= highest) return Limits::max();
    return static_cast<To>(f);
  }
}

}  // namespace yolo
