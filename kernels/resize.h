#pragma once
// defines: the functors of nearest-neighbour upsampling by an integer
// factor over NHWC tensors: pixels are rows, channels columns.
#include <cstdint>

#include "engine/core/hd.h"
#include "kernels/numeric.h"

namespace yolo {

struct UpsampleShape {
  std::int64_t n, h, w, c;  // input; the output is (n, h*factor, w*factor, c)
  int factor;
};

// y[n, oh, ow, c] = x[n, oh / f, ow / f, c]
template <class T>
struct UpsampleNearestForwardKernel {
  const T* x;
  UpsampleShape s;
  T* y;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t OW = s.w * s.factor, OH = s.h * s.factor;
    const std::int64_t ow = r % OW, oh = (r / OW) % OH, n = r / (OW * OH);
    y[r * s.c + c] = x[((n * s.h + oh / s.factor) * s.w + ow / s.factor) * s.c + c];
  }
};

// dx[n, h, w, c] = sum_{i, j < f} dy[n, h*f + i, w*f + j, c]
// A lane functor (Exec::parallel_for_lanes): channels [c0, c0 + L) of pixel r.
template <class T>
struct UpsampleNearestBackwardKernel {
  const T* dy;
  UpsampleShape s;
  T* dx;
  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t c0) const {
    const std::int64_t w = r % s.w, h = (r / s.w) % s.h, n = r / (s.w * s.h);
    const std::int64_t OW = s.w * s.factor, OH = s.h * s.factor;
    float sum[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] = 0.0f;
    for (std::int64_t i = 0; i < s.factor; ++i) {
      for (std::int64_t j = 0; j < s.factor; ++j) {
        const T* p = dy + ((n * OH + h * s.factor + i) * OW + w * s.factor + j) * s.c + c0;
        YOLO_LANE_LOOP
        for (int l = 0; l < L; ++l) sum[l] += to_float(p[l]);
      }
    }
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) dx[r * s.c + c0 + l] = convert<T>(sum[l]);
  }
};

}  // namespace yolo
