#pragma once
// defines: Pool2dGeometry, pool2d_output_shape, maxpool2d_forward,
// maxpool2d_backward, avgpool2d_forward, avgpool2d_backward.
// NHWC, square windows, zero padding, floor mode: SPPF's MaxPool2d(5, 1, 2),
// ADown's max_pool2d(3, 2, 1) and avg_pool2d(2, 1, 0). Average pooling
// divides by kernel^2 (padding counts, PyTorch's default).
#include "engine/core/context.h"

namespace yolo {

struct Pool2dGeometry {
  int kernel = 2;
  int stride = 2;
  int padding = 0;
};

// (N, OH, OW, C), OH = (H + 2p - k) / s + 1; a clear error when it does not fit.
Shape pool2d_output_shape(const Shape& x, const Pool2dGeometry& g);

// y = window max of x; argmax (i32, y's shape) = h*W + w of the winner, for
// backward: the first maximum in row-major order, or the last NaN (PyTorch's rule).
void maxpool2d_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y, Tensor& argmax);
// dx = dy routed to each window's winner (summed where windows share it); overwrites dx.
void maxpool2d_backward(const Context& ctx, const Tensor& dy, const Tensor& argmax, const Pool2dGeometry& g,
                        Tensor& dx);
// y = window sum of x / kernel^2
void avgpool2d_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y);
// dx = sum of dy / kernel^2 over the windows covering each pixel; overwrites dx.
void avgpool2d_backward(const Context& ctx, const Tensor& dy, const Pool2dGeometry& g, Tensor& dx);

}  // namespace yolo
