#pragma once
// defines: upsample_nearest_forward, upsample_nearest_backward: NHWC
// nearest-neighbour upsampling by an integer factor (x2 in YOLOv8's neck,
// x2/x4/x8 in YOLOv9's CBFuse).
#include "engine/core/context.h"

namespace yolo {

// y (N, H*f, W*f, C): y[n, h, w, c] = x[n, h/f, w/f, c]
void upsample_nearest_forward(const Context& ctx, const Tensor& x, int factor, Tensor& y);
// dx (N, H, W, C) = the sum of dy over each f x f block (overwrites dx)
void upsample_nearest_backward(const Context& ctx, const Tensor& dy, int factor, Tensor& dx);

}  // namespace yolo
