#pragma once
// defines: the elementwise kernel functors: FillKernel, CastKernel,
// AxpyKernel, ScaleKernel, SiluForwardKernel, SiluBackwardKernel.
// Storage type T may be float, Half or BFloat16; arithmetic is in float.
#include <cstdint>

#include "kernels/math.h"
#include "kernels/numeric.h"

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

}  // namespace yolo
