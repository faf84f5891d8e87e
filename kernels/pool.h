#pragma once
// defines: the functors of 2-d max and average pooling over NHWC tensors,
// forward and backward. Pixels are rows r = (n, h, w), channels columns c.
// Backward gathers: each input pixel sums the output gradients of the
// windows that cover it, so no two threads write one element (deterministic,
// no atomics).
#include <cstdint>

#include "engine/core/hd.h"
#include "kernels/numeric.h"

namespace yolo {

// Square window `kernel`, `stride`, zero `padding` on every side (floor mode).
struct PoolShape {
  std::int64_t n, h, w, c;  // input
  std::int64_t oh, ow;      // output
  int kernel, stride, padding;

  // The outputs whose window covers input coordinate i along one axis:
  // o*stride - padding <= i <= o*stride - padding + kernel - 1.
  YOLO_HD void covering(std::int64_t i, std::int64_t outputs, std::int64_t& first, std::int64_t& last) const {
    const std::int64_t hi = i + padding;      // o*stride <= hi
    const std::int64_t lo = hi - kernel + 1;  // o*stride >= lo
    first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
    last = hi / stride;
    last = last < outputs - 1 ? last : outputs - 1;
  }
  // The inputs [begin, end) of output o's window along an axis of `size`,
  // clipped to the image (the padding holds nothing).
  YOLO_HD void window(std::int64_t o, std::int64_t size, std::int64_t& begin, std::int64_t& end) const {
    begin = o * stride - padding;
    end = begin + kernel;
    begin = begin < 0 ? 0 : begin;
    end = end < size ? end : size;
  }
};

// The kernels are lane functors (Exec::parallel_for_lanes): a call computes
// channels [c0, c0 + L) of pixel r, with the lane loop innermost so that the
// CPU build vectorises it; the CUDA build runs L = 1 per thread.

// y[n,oh,ow,c] = max over the window of x (padding never wins);
// argmax = h*W + w of the first maximum, or of the last NaN (PyTorch's rule).
template <class T>
struct MaxPoolForwardKernel {
  const T* x;
  PoolShape s;
  T* y;
  std::int32_t* argmax;
  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t c0) const {
    const std::int64_t ow = r % s.ow, oh = (r / s.ow) % s.oh, n = r / (s.ow * s.oh);
    std::int64_t h0, h1, w0, w1;
    s.window(oh, s.h, h0, h1);
    s.window(ow, s.w, w0, w1);
    // The window is never empty (padding <= kernel / 2): start from its first element.
    const T* first = x + ((n * s.h + h0) * s.w + w0) * s.c + c0;
    float best[L];
    std::int32_t best_index[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) {
      best[l] = to_float(first[l]);
      best_index[l] = static_cast<std::int32_t>(h0 * s.w + w0);
    }
    for (std::int64_t h = h0; h < h1; ++h) {
      for (std::int64_t w = w0; w < w1; ++w) {
        const T* p = x + ((n * s.h + h) * s.w + w) * s.c + c0;
        const auto index = static_cast<std::int32_t>(h * s.w + w);
        YOLO_LANE_LOOP
        for (int l = 0; l < L; ++l) {
          const float v = to_float(p[l]);
          const bool wins = (v > best[l]) | (v != v);  // no short circuit: a branch would stop vectorisation
          best[l] = wins ? v : best[l];
          best_index[l] = wins ? index : best_index[l];
        }
      }
    }
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) {
      y[r * s.c + c0 + l] = convert<T>(best[l]);
      argmax[r * s.c + c0 + l] = best_index[l];
    }
  }
};

// dx[n,h,w,c] = sum of dy[n,oh,ow,c] over the windows whose argmax is (h, w)
template <class T>
struct MaxPoolBackwardKernel {
  const T* dy;
  const std::int32_t* argmax;
  PoolShape s;
  T* dx;
  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t c0) const {
    const std::int64_t w = r % s.w, h = (r / s.w) % s.h, n = r / (s.w * s.h);
    std::int64_t oh0, oh1, ow0, ow1;
    s.covering(h, s.oh, oh0, oh1);
    s.covering(w, s.ow, ow0, ow1);
    const auto self = static_cast<std::int32_t>(h * s.w + w);
    float sum[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] = 0.0f;
    for (std::int64_t oh = oh0; oh <= oh1; ++oh) {
      for (std::int64_t ow = ow0; ow <= ow1; ++ow) {
        const std::int64_t o = ((n * s.oh + oh) * s.ow + ow) * s.c + c0;
        YOLO_LANE_LOOP
        for (int l = 0; l < L; ++l) {
          const float g = to_float(dy[o + l]);  // loaded unconditionally: a conditional load would not vectorise
          sum[l] += argmax[o + l] == self ? g : 0.0f;
        }
      }
    }
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) dx[r * s.c + c0 + l] = convert<T>(sum[l]);
  }
};

// y[n,oh,ow,c] = sum over the window of x / kernel^2 (zero padding counts:
// PyTorch's count_include_pad=True, as ultralytics' ADown uses)
template <class T>
struct AvgPoolForwardKernel {
  const T* x;
  PoolShape s;
  T* y;
  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t c0) const {
    const std::int64_t ow = r % s.ow, oh = (r / s.ow) % s.oh, n = r / (s.ow * s.oh);
    std::int64_t h0, h1, w0, w1;
    s.window(oh, s.h, h0, h1);
    s.window(ow, s.w, w0, w1);
    float sum[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] = 0.0f;
    for (std::int64_t h = h0; h < h1; ++h) {
      for (std::int64_t w = w0; w < w1; ++w) {
        const T* p = x + ((n * s.h + h) * s.w + w) * s.c + c0;
        YOLO_LANE_LOOP
        for (int l = 0; l < L; ++l) sum[l] += to_float(p[l]);
      }
    }
    const auto area = static_cast<float>(s.kernel * s.kernel);
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) y[r * s.c + c0 + l] = convert<T>(sum[l] / area);
  }
};

// dx[n,h,w,c] = sum of dy[n,oh,ow,c] / kernel^2 over the windows covering (h, w)
template <class T>
struct AvgPoolBackwardKernel {
  const T* dy;
  PoolShape s;
  T* dx;
  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t c0) const {
    const std::int64_t w = r % s.w, h = (r / s.w) % s.h, n = r / (s.w * s.h);
    std::int64_t oh0, oh1, ow0, ow1;
    s.covering(h, s.oh, oh0, oh1);
    s.covering(w, s.ow, ow0, ow1);
    float sum[L];
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) sum[l] = 0.0f;
    for (std::int64_t oh = oh0; oh <= oh1; ++oh) {
      for (std::int64_t ow = ow0; ow <= ow1; ++ow) {
        const T* p = dy + ((n * s.oh + oh) * s.ow + ow) * s.c + c0;
        YOLO_LANE_LOOP
        for (int l = 0; l < L; ++l) sum[l] += to_float(p[l]);
      }
    }
    const auto area = static_cast<float>(s.kernel * s.kernel);
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) dx[r * s.c + c0 + l] = convert<T>(sum[l] / area);
  }
};

}  // namespace yolo
