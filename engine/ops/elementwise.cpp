// Checks the arguments, then runs the op on the context's backend.
#include "engine/ops/elementwise.h"

#include "engine/ops/elementwise_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {

void fill(const Context& ctx, Tensor& out, double value) {
  check_operand(ctx, out, "fill", "out");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::fill(ctx, out, value); });
}

void copy_cast(const Context& ctx, const Tensor& src, Tensor& dst) {
  check_operand(ctx, src, "copy_cast", "src");
  check_operand(ctx, dst, "copy_cast", "dst");
  check_same_shape(src, dst, "copy_cast", false);
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::copy_cast(ctx, src, dst); });
}

Tensor cast_to(const Context& ctx, const Tensor& src, DType dtype) {
  Tensor out = ctx.empty(src.shape(), dtype);
  copy_cast(ctx, src, out);
  return out;
}

void axpy(const Context& ctx, float alpha, const Tensor& x, Tensor& y) {
  check_operand(ctx, x, "axpy", "x");
  check_operand(ctx, y, "axpy", "y");
  check_same_shape(x, y, "axpy");
  check_float(x, "axpy", "x");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::axpy(ctx, alpha, x, y); });
}

void scale(const Context& ctx, float alpha, const Tensor& x, Tensor& y) {
  check_operand(ctx, x, "scale", "x");
  check_operand(ctx, y, "scale", "y");
  check_same_shape(x, y, "scale");
  check_float(x, "scale", "x");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::scale(ctx, alpha, x, y); });
}

void add(const Context& ctx, const Tensor& a, const Tensor& b, Tensor& y) {
  check_operand(ctx, a, "add", "a");
  check_operand(ctx, b, "add", "b");
  check_operand(ctx, y, "add", "y");
  check_same_shape(a, b, "add");
  check_same_shape(a, y, "add");
  check_float(a, "add", "a");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::add(ctx, a, b, y); });
}

void sigmoid_forward(const Context& ctx, const Tensor& x, Tensor& y) {
  check_operand(ctx, x, "sigmoid_forward", "x");
  check_operand(ctx, y, "sigmoid_forward", "y");
  check_same_shape(x, y, "sigmoid_forward");
  check_float(x, "sigmoid_forward", "x");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::sigmoid_forward(ctx, x, y); });
}

void sigmoid_backward(const Context& ctx, const Tensor& y, const Tensor& dy, Tensor& dx) {
  check_operand(ctx, y, "sigmoid_backward", "y");
  check_operand(ctx, dy, "sigmoid_backward", "dy");
  check_operand(ctx, dx, "sigmoid_backward", "dx");
  check_same_shape(y, dy, "sigmoid_backward");
  check_same_shape(y, dx, "sigmoid_backward");
  check_float(y, "sigmoid_backward", "y");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::sigmoid_backward(ctx, y, dy, dx); });
}

void silu_forward(const Context& ctx, const Tensor& x, Tensor& y) {
  check_operand(ctx, x, "silu_forward", "x");
  check_operand(ctx, y, "silu_forward", "y");
  check_same_shape(x, y, "silu_forward");
  check_float(x, "silu_forward", "x");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::silu_forward(ctx, x, y); });
}

void silu_backward(const Context& ctx, const Tensor& x, const Tensor& dy, Tensor& dx) {
  check_operand(ctx, x, "silu_backward", "x");
  check_operand(ctx, dy, "silu_backward", "dy");
  check_operand(ctx, dx, "silu_backward", "dx");
  check_same_shape(x, dy, "silu_backward");
  check_same_shape(x, dx, "silu_backward");
  check_float(x, "silu_backward", "x");
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::silu_backward(ctx, x, dy, dx); });
}

void fill_uniform(const Context& ctx, Tensor& out, float lo, float hi) {
  check_operand(ctx, out, "fill_uniform", "out");
  check_float(out, "fill_uniform", "out");
  YOLO_CHECK(lo < hi, "fill_uniform: empty range [{}, {})", lo, hi);
  const std::uint64_t offset = ctx.take_rng_offset();
  dispatch_backend(ctx.device(), [&]<class B>() { ElementwiseImpl<B>::fill_uniform(ctx, out, lo, hi, offset); });
}

}  // namespace yolo
