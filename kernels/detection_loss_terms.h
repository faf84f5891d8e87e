#pragma once
// defines: DflLossKernel and BceWithLogitsKernel, the per-element terms of
// YOLOv8's Distribution Focal Loss and classification loss with their
// analytic gradients. Each writes its term to a buffer that a deterministic
// Primitives::sum reduces, and its gradient in the same pass.
#include <cstdint>

#include "kernels/dfl.h"
#include "kernels/math.h"
#include "kernels/numeric.h"

namespace yolo {

// For positive anchor p and side s (ltrb), target distance t clamped to
// [0, reg_max - 1 - 0.01], tl = floor(t), wl = tl + 1 - t, wr = 1 - wl:
//   term[p,s]  = scale * weight[p] / 4 * -(wl log softmax(x)[tl] + wr log softmax(x)[tl+1])
//   grad[p,s,i] = scale * weight[p] / 4 * (softmax(x)_i - wl [i = tl] - wr [i = tl+1])
// (ultralytics' DFLoss: the mean over the four sides, times the anchor's weight.)
template <class T>
struct DflLossKernel {
  const T* logits;      // (P, 4 * reg_max)
  const float* target;  // (P, 4) distances in grid cells
  const float* weight;  // (P)
  const float* scale;   // (1) on the device: gain / normaliser
  int reg_max;
  float* term;  // (P, 4)
  T* grad;      // (P, 4 * reg_max)
  YOLO_HD void operator()(std::int64_t p, std::int64_t s) const {
    const std::int64_t row = (p * 4 + s) * reg_max;
    float t = target[p * 4 + s];
    const float hi = static_cast<float>(reg_max) - 1.0f - 0.01f;
    t = t > 0.0f ? (t < hi ? t : hi) : 0.0f;  // NaN (a corrupt box) lands on 0, never out of bounds
    const int tl = static_cast<int>(t);       // t >= 0: truncation is floor
    const float wl = static_cast<float>(tl + 1) - t, wr = 1.0f - wl;
    const DflSoftmax sm = dfl_softmax(logits + row, reg_max);
    const float m = sm.max, total = sm.total;
    const float log_total = logf(total);
    const float logp_l = to_float(logits[row + tl]) - m - log_total;
    const float logp_r = to_float(logits[row + tl + 1]) - m - log_total;
    const float k = scale[0] * weight[p] * 0.25f;
    term[p * 4 + s] = -k * (wl * logp_l + wr * logp_r);
    for (int i = 0; i < reg_max; ++i) {
      const float softmax = fast_exp(to_float(logits[row + i]) - m) / total;
      grad[row + i] = convert<T>(k * (softmax - (i == tl ? wl : 0.0f) - (i == tl + 1 ? wr : 0.0f)));
    }
  }
};

// BCE with logits, PyTorch's stable form (log1p by fast_log1p_unit: libm's
// log1pf would not vectorise, and this is 16 x 8400 x 80 elements a batch):
//   term[i] = scale * (max(x, 0) - x t + log(1 + exp(-|x|))),  grad[i] = scale * (sigmoid(x) - t)
template <class T>
struct BceWithLogitsKernel {
  const T* logits;
  const float* target;
  const float* scale;  // (1) on the device
  float* term;
  T* grad;
  YOLO_HD void operator()(std::int64_t i) const {
    const float x = to_float(logits[i]), t = target[i];
    const float ax = x < 0.0f ? -x : x;
    term[i] = scale[0] * ((x > 0.0f ? x : 0.0f) - x * t + fast_log1p_unit(fast_exp(-ax)));
    grad[i] = convert<T>(scale[0] * (sigmoid(x) - t));
  }
};

}  // namespace yolo
