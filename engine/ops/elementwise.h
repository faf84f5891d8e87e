#pragma once
// defines: the elementwise ops on tensors of the context's device:
// fill, copy_cast, axpy, scale, add, silu_forward, silu_backward,
// sigmoid_forward, sigmoid_backward, fill_uniform.
// All tensors contiguous; float ops take f32, f16 or bf16 (computed in f32).
#include "engine/core/context.h"

namespace yolo {

// out = value (converted to out's dtype)
void fill(const Context& ctx, Tensor& out, double value);
// dst = convert(src): any dtype to any dtype, same shape
void copy_cast(const Context& ctx, const Tensor& src, Tensor& dst);
// A new tensor: src converted to dtype
Tensor cast_to(const Context& ctx, const Tensor& src, DType dtype);
// y = y + alpha * x
void axpy(const Context& ctx, float alpha, const Tensor& x, Tensor& y);
// y = alpha * x   (y may be x)
void scale(const Context& ctx, float alpha, const Tensor& x, Tensor& y);
// y = a + b   (the residual Add; y may be a or b. Its backward is the
// identity: the graph hands dy to both inputs.)
void add(const Context& ctx, const Tensor& a, const Tensor& b, Tensor& y);
// y = x * sigmoid(x)
void silu_forward(const Context& ctx, const Tensor& x, Tensor& y);
// dx = dy * d/dx silu(x)   (overwrites dx: activation gradients are not accumulated)
void silu_backward(const Context& ctx, const Tensor& x, const Tensor& dy, Tensor& dx);
// y = 1 / (1 + exp(-x))
void sigmoid_forward(const Context& ctx, const Tensor& x, Tensor& y);
// dx = dy * y * (1 - y), from the forward's output y (overwrites dx)
void sigmoid_backward(const Context& ctx, const Tensor& y, const Tensor& dy, Tensor& dx);
// out = uniform samples in [lo, hi) from the context's seed and a fresh offset
// (u in [0, 1) is exact; lo + (hi - lo) * u can round up to hi for some ranges)
void fill_uniform(const Context& ctx, Tensor& out, float lo, float hi);

}  // namespace yolo
