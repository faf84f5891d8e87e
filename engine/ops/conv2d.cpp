// Checks the arguments of conv2d.h, then runs the op on the context's backend.
#include "engine/ops/conv2d.h"

#include "engine/ops/conv2d_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

void check_geometry(const Conv2dGeometry& g) {
  YOLO_CHECK(g.stride >= 1 && g.padding >= 0 && g.dilation >= 1 && g.groups >= 1,
             "conv2d: bad geometry stride={} padding={} dilation={} groups={}", g.stride, g.padding, g.dilation,
             g.groups);
}

void check_dtype(const Context& ctx, const Tensor& t, std::string_view name) {
  check_float(t, "conv2d", name);
  YOLO_CHECK(!(ctx.device().is_cpu() && t.dtype() == DType::f16),
             "conv2d: f16 is not supported on cpu (oneDNN has no f16 kernel here); use f32 or bf16");
}

void check_bias(const Context& ctx, const Tensor& b, const Tensor& w, std::string_view name) {
  if (!b.defined()) return;
  check_operand(ctx, b, "conv2d", name);
  YOLO_CHECK(b.ndim() == 1 && b.dim(0) == w.dim(0) && b.dtype() == w.dtype(), "conv2d: {} must be {}[{}], got {}", name,
             dtype_name(w.dtype()), w.dim(0), b.str());
}

// x (N,H,W,C), w (O,KH,KW,C/g), y (N,OH,OW,O) all consistent.
void check_conv(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dGeometry& g,
                std::string_view x_name, std::string_view y_name) {
  check_operand(ctx, x, "conv2d", x_name);
  check_operand(ctx, w, "conv2d", "w");
  check_operand(ctx, y, "conv2d", y_name);
  check_dtype(ctx, x, x_name);
  YOLO_CHECK(x.dtype() == w.dtype() && x.dtype() == y.dtype(), "conv2d: dtypes differ: {}, {}, {}", x.str(), w.str(),
             y.str());
  const Shape expected = conv2d_output_shape(x.shape(), w.shape(), g);
  YOLO_CHECK(y.shape() == expected, "conv2d: {} must be {}, got {}", y_name, expected.str(), y.shape().str());
}

}  // namespace

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dGeometry& g) {
  check_geometry(g);
  YOLO_CHECK(x.ndim() == 4 && w.ndim() == 4, "conv2d: x must be (N,H,W,C) and w (O,KH,KW,C/groups), got {} and {}",
             x.str(), w.str());
  const std::int64_t n = x[0], h = x[1], wd = x[2], c = x[3], o = w[0], kh = w[1], kw = w[2];
  YOLO_CHECK(c % g.groups == 0 && o % g.groups == 0,
             "conv2d: {} input and {} output channels are not divisible by {} groups", c, o, g.groups);
  YOLO_CHECK(w[3] == c / g.groups, "conv2d: w {} has {} input channels per group, x {} with {} groups needs {}",
             w.str(), w[3], x.str(), g.groups, c / g.groups);
  // Checked before dividing: C++ division truncates towards zero, so a
  // kernel larger than the padded input would otherwise give OH = 1.
  YOLO_CHECK(h + 2 * g.padding >= g.dilation * (kh - 1) + 1 && wd + 2 * g.padding >= g.dilation * (kw - 1) + 1,
             "conv2d: kernel {}x{} (dilation {}) does not fit input {}x{} with padding {}", kh, kw, g.dilation, h, wd,
             g.padding);
  YOLO_CHECK(n > 0 && c > 0 && o > 0, "conv2d: empty tensors: x {}, w {}", x.str(), w.str());
  const std::int64_t oh = (h + 2 * g.padding - g.dilation * (kh - 1) - 1) / g.stride + 1;
  const std::int64_t ow = (wd + 2 * g.padding - g.dilation * (kw - 1) - 1) / g.stride + 1;
  return {n, oh, ow, o};
}

void conv2d_forward(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& g,
                    Tensor& y, Activation act) {
  check_conv(ctx, x, w, y, g, "x", "y");
  check_bias(ctx, b, w, "b");
  dispatch_backend(ctx.device(), [&]<class B>() { Conv2dImpl<B>::forward(ctx, x, w, b, g, y, act); });
}

void conv2d_backward_data(const Context& ctx, const Tensor& dy, const Tensor& w, const Conv2dGeometry& g, Tensor& dx) {
  check_conv(ctx, dx, w, dy, g, "dx", "dy");
  dispatch_backend(ctx.device(), [&]<class B>() { Conv2dImpl<B>::backward_data(ctx, dy, w, g, dx); });
}

void conv2d_backward_weights(const Context& ctx, const Tensor& x, const Tensor& dy, const Conv2dGeometry& g, Tensor& dw,
                             Tensor& db, float accumulate) {
  check_conv(ctx, x, dw, dy, g, "x", "dy");
  check_bias(ctx, db, dw, "db");
  YOLO_CHECK(accumulate == 0.0f || accumulate == 1.0f, "conv2d_backward_weights: accumulate must be 0 or 1, got {}",
             accumulate);
  dispatch_backend(ctx.device(),
                   [&]<class B>() { Conv2dImpl<B>::backward_weights(ctx, x, dy, g, dw, db, accumulate); });
}

}  // namespace yolo
