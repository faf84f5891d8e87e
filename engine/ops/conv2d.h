#pragma once
// defines: Conv2dGeometry, conv2d_output_shape, conv2d_forward,
// conv2d_backward_data, conv2d_backward_weights.
//
// Layouts (both backends):
//   x  (N, H, W, C)            activations, NHWC
//   w  (O, KH, KW, C / groups)  weights, "OHWI" (cuDNN's KRSC; oneDNN's ohwi,
//                               gohwi with groups): output channels outermost
//   b  (O)                      optional bias
//   y  (N, OH, OW, O)           OH = (H + 2p - d(KH-1) - 1) / s + 1
// f32 on both backends; f16 and bf16 on cuda (f32 accumulation), bf16 on cpu
// where oneDNN has a bf16 kernel. x, w, y share one dtype; b and the weight
// gradients have w's dtype.
#include "engine/core/context.h"
#include "engine/ops/activation.h"

namespace yolo {

struct Conv2dGeometry {
  int stride = 1;
  int padding = 0;  // zero padding on every side
  int dilation = 1;
  int groups = 1;  // C and O are multiples of groups; groups == C is depthwise
};

// The output shape for x and w, or a clear error if they do not fit.
Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dGeometry& g);

// y = act(conv(x, w) + b)   (b may be an undefined Tensor: no bias). A fused
// activation (inference, with batch norm folded into w and b) is a oneDNN
// post-op on the cpu and a pass after cuDNN's convolution on cuda (cuDNN's
// fused conv-bias-activation has no SiLU).
void conv2d_forward(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& g,
                    Tensor& y, Activation act = Activation::identity);

// dx = conv_transpose(dy, w)   (overwrites dx: activation gradients are not accumulated)
void conv2d_backward_data(const Context& ctx, const Tensor& dy, const Tensor& w, const Conv2dGeometry& g, Tensor& dx);

// dw = accumulate * dw + d(loss)/dw and, if db is defined,
// db = accumulate * db + sum(dy) over N, OH, OW. accumulate is 0 (overwrite)
// or 1 (add to the gradients of earlier micro-batches).
void conv2d_backward_weights(const Context& ctx, const Tensor& x, const Tensor& dy, const Conv2dGeometry& g, Tensor& dw,
                             Tensor& db, float accumulate);

}  // namespace yolo
