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

// y[n,oh,ow,c] = max over the window of x (padding never wins);
// argmax = h*W + w of the first maximum, or of the last NaN (PyTorch's rule).
template <class T>
struct MaxPoolForwardKernel {
  const T* x;
  PoolShape s;
  T* y;
  std::int32_t* argmax;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t ow = r % s.ow, oh = (r / s.ow) % s.oh, n = r / (s.ow * s.oh);
    std::int64_t h0, h1, w0, w1;
    s.window(oh, s.h, h0, h1);
    s.window(ow, s.w, w0, w1);
    // The window is never empty (padding <= kernel / 2): start from its first element.
    std::int64_t best_index = h0 * s.w + w0;
    float best = to_float(x[(n * s.h * s.w + best_index) * s.c + c]);
    for (std::int64_t h = h0; h < h1; ++h) {
      for (std::int64_t w = w0; w < w1; ++w) {
        const float v = to_float(x[((n * s.h + h) * s.w + w) * s.c + c]);
        const bool wins = v > best || v != v;
        best = wins ? v : best;
        best_index = wins ? h * s.w + w : best_index;
      }
    }
    y[r * s.c + c] = convert<T>(best);
    argmax[r * s.c + c] = static_cast<std::int32_t>(best_index);
  }
};

// dx[n,h,w,c] = sum of dy[n,oh,ow,c] over the windows whose argmax is (h, w)
template <class T>
struct MaxPoolBackwardKernel {
  const T* dy;
  const std::int32_t* argmax;
  PoolShape s;
  T* dx;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t w = r % s.w, h = (r / s.w) % s.h, n = r / (s.w * s.h);
    std::int64_t oh0, oh1, ow0, ow1;
    s.covering(h, s.oh, oh0, oh1);
    s.covering(w, s.ow, ow0, ow1);
    const std::int32_t self = static_cast<std::int32_t>(h * s.w + w);
    float sum = 0.0f;
    for (std::int64_t oh = oh0; oh <= oh1; ++oh) {
      for (std::int64_t ow = ow0; ow <= ow1; ++ow) {
        const std::int64_t o = ((n * s.oh + oh) * s.ow + ow) * s.c + c;
        if (argmax[o] == self) sum += to_float(dy[o]);
      }
    }
    dx[r * s.c + c] = convert<T>(sum);
  }
};

// y[n,oh,ow,c] = sum over the window of x / kernel^2 (zero padding counts:
// PyTorch's count_include_pad=True, as ultralytics' ADown uses)
template <class T>
struct AvgPoolForwardKernel {
  const T* x;
  PoolShape s;
  T* y;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t ow = r % s.ow, oh = (r / s.ow) % s.oh, n = r / (s.ow * s.oh);
    std::int64_t h0, h1, w0, w1;
    s.window(oh, s.h, h0, h1);
    s.window(ow, s.w, w0, w1);
    float sum = 0.0f;
    for (std::int64_t h = h0; h < h1; ++h)
      for (std::int64_t w = w0; w < w1; ++w) sum += to_float(x[((n * s.h + h) * s.w + w) * s.c + c]);
    y[r * s.c + c] = convert<T>(sum / static_cast<float>(s.kernel * s.kernel));
  }
};

// dx[n,h,w,c] = sum of dy[n,oh,ow,c] / kernel^2 over the windows covering (h, w)
template <class T>
struct AvgPoolBackwardKernel {
  const T* dy;
  PoolShape s;
  T* dx;
  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t w = r % s.w, h = (r / s.w) % s.h, n = r / (s.w * s.h);
    std::int64_t oh0, oh1, ow0, ow1;
    s.covering(h, s.oh, oh0, oh1);
    s.covering(w, s.ow, ow0, ow1);
    float sum = 0.0f;
    for (std::int64_t oh = oh0; oh <= oh1; ++oh)
      for (std::int64_t ow = ow0; ow <= ow1; ++ow) sum += to_float(dy[((n * s.oh + oh) * s.ow + ow) * s.c + c]);
    dx[r * s.c + c] = convert<T>(sum / static_cast<float>(s.kernel * s.kernel));
  }
};

}  // namespace yolo
