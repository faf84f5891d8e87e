#pragma once
// defines: DflDecodeKernel, the Distribution Focal Loss decode of YOLOv8's
// box head: each side of a box is a distribution over reg_max bins, and the
// distance is its expectation.
#include <cstdint>

#include "kernels/math.h"
#include "kernels/numeric.h"

namespace yolo {

// The softmax over one side's reg_max bins, as everything DFL needs it:
//   max = max_i x_i, total = sum_i exp(x_i - max), mean = sum_i i exp(x_i - max) / total
// (softmax_i = exp(x_i - max) / total; the decoded distance is mean). One
// definition for decode, loss and gradient kernels.
struct DflSoftmax {
  float max, total, mean;
};

template <class T>
YOLO_HD DflSoftmax dfl_softmax(const T* bins, int reg_max) {
  float m = to_float(bins[0]);
  for (int i = 1; i < reg_max; ++i) m = m > to_float(bins[i]) ? m : to_float(bins[i]);
  float total = 0.0f, weighted = 0.0f;
  for (int i = 0; i < reg_max; ++i) {
    const float e = fast_exp(to_float(bins[i]) - m);
    total += e;
    weighted += static_cast<float>(i) * e;
  }
  return {m, total, weighted / total};
}

// out[r, side] = sum_i i * softmax(x[r, side*reg_max : (side+1)*reg_max])_i
template <class T>
struct DflDecodeKernel {
  const T* x;  // (rows, 4 * reg_max)
  int reg_max;
  T* out;  // (rows, 4)
  YOLO_HD void operator()(std::int64_t r, std::int64_t side) const {
    out[r * 4 + side] = convert<T>(dfl_softmax(x + (r * 4 + side) * reg_max, reg_max).mean);
  }
};

}  // namespace yolo
