#pragma once
// defines: the elementwise kernel functors: FillKernel, CastKernel,
// AxpyKernel, ScaleKernel, AddKernel, SiluForwardKernel, SiluBackwardKernel,
// SigmoidForwardKernel, SigmoidBackwardKernel, UniformKernel.
// Storage type T may be float, Half or BFloat16; arithmetic is in float.
#include <cstdint>

#include "kernels/math.h"
#include "kernels/numeric.h"
#include "kernels/philox.h"

namespace yolo {

// out[i] = value
template <class T>
struct FillKernel {
  T* out;
  T value;
  YOLO_HD void operator()(std::int64_t i) const { out[i] = value; }
};

// out[i] = convert<Dst>(in[i])
template <class Src, class Dst>
struct CastKernel {
  const Src* in;
  Dst* out;
  YOLO_HD void operator()(std::int64_t i) const { out[i] = convert<Dst>(in[i]); }
};

// y[i] = y[i] + alpha * x[i]
template <class T>
struct AxpyKernel {
  float alpha;
  const T* x;
  T* y;
  YOLO_HD void operator()(std::int64_t i) const { y[i] = convert<T>(to_float(y[i]) + alpha * to_float(x[i])); }
};

// y[i] = alpha * x[i]   (y may alias x)
template <class T>
struct ScaleKernel {
  float alpha;
  const T* x;
  T* y;
  YOLO_HD void operator()(std::int64_t i) const { y[i] = convert<T>(alpha * to_float(x[i])); }
};

// y[i] = a[i] + b[i]   (y may alias a or b)
template <class T>
struct AddKernel {
  const T* a;
  const T* b;
  T* y;
  YOLO_HD void operator()(std::int64_t i) const { y[i] = convert<T>(to_float(a[i]) + to_float(b[i])); }
};

// y[i] = sigmoid(x[i])
template <class T>
struct SigmoidForwardKernel {
  const T* x;
  T* y;
  YOLO_HD void operator()(std::int64_t i) const { y[i] = convert<T>(sigmoid(to_float(x[i]))); }
};

// dx[i] = dy[i] * y[i] * (1 - y[i]),  y = sigmoid(x) saved by the forward
template <class T>
struct SigmoidBackwardKernel {
  const T* y;
  const T* dy;
  T* dx;
  YOLO_HD void operator()(std::int64_t i) const {
    const float s = to_float(y[i]);
    dx[i] = convert<T>(to_float(dy[i]) * s * (1.0f - s));
  }
};

// y[i] = x[i] * sigmoid(x[i])
template <class T>
struct SiluForwardKernel {
  const T* x;
  T* y;
  YOLO_HD void operator()(std::int64_t i) const {
    const float v = to_float(x[i]);
    y[i] = convert<T>(v * sigmoid(v));
  }
};

// dx[i] = dy[i] * s * (1 + x[i] * (1 - s)),  s = sigmoid(x[i])
template <class T>
struct SiluBackwardKernel {
  const T* x;
  const T* dy;
  T* dx;
  YOLO_HD void operator()(std::int64_t i) const {
    const float v = to_float(x[i]);
    const float s = sigmoid(v);
    dx[i] = convert<T>(to_float(dy[i]) * s * (1.0f + v * (1.0f - s)));
  }
};

// out[i] = lo + (hi - lo) * u,  u = word i%4 of philox(counter = (i/4, offset), key = seed)
template <class T>
struct UniformKernel {
  T* out;
  float lo, hi;
  std::uint64_t seed, offset;
  YOLO_HD void operator()(std::int64_t i) const {
    const auto block = static_cast<std::uint64_t>(i) / 4;
    const PhiloxBlock bits =
        philox4x32_10(PhiloxBlock{{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                                   static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(offset >> 32)}},
                      static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
    out[i] = convert<T>(lo + (hi - lo) * uniform_from_bits(bits.v[i % 4]));
  }
};

}  // namespace yolo
