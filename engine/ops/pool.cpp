// Checks the arguments of pool.h, then runs the op on the context's backend.
#include "engine/ops/pool.h"

#include "engine/ops/pool_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

// in (N,H,W,C) and out (N,OH,OW,C) fit g; both float, same dtype.
void check_pool(const Context& ctx, const Tensor& in, const Tensor& out, const Pool2dGeometry& g, std::string_view op,
                std::string_view in_name, std::string_view out_name) {
  check_operand(ctx, in, op, in_name);
  check_operand(ctx, out, op, out_name);
  check_float(in, op, in_name);
  YOLO_CHECK(in.dtype() == out.dtype(), "{}: dtypes differ: {} vs {}", op, in.str(), out.str());
  const Shape expected = pool2d_output_shape(in.shape(), g);
  YOLO_CHECK(out.shape() == expected, "{}: {} must be {}, got {}", op, out_name, expected.str(), out.shape().str());
}

void check_argmax(const Context& ctx, const Tensor& argmax, const Tensor& y, std::string_view op) {
  check_operand(ctx, argmax, op, "argmax");
  YOLO_CHECK(argmax.dtype() == DType::i32 && argmax.shape() == y.shape(), "{}: argmax must be i32{}, got {}", op,
             y.shape().str(), argmax.str());
}

}  // namespace

Shape pool2d_output_shape(const Shape& x, const Pool2dGeometry& g) {
  YOLO_CHECK(g.kernel >= 1 && g.stride >= 1 && g.padding >= 0 && 2 * g.padding <= g.kernel,
             "pool2d: bad geometry kernel={} stride={} padding={} (padding at most half the kernel)", g.kernel,
             g.stride, g.padding);
  YOLO_CHECK(x.ndim() == 4, "pool2d: x must be (N,H,W,C), got {}", x.str());
  const std::int64_t oh = (x[1] + 2 * g.padding - g.kernel) / g.stride + 1;
  const std::int64_t ow = (x[2] + 2 * g.padding - g.kernel) / g.stride + 1;
  YOLO_CHECK(x[1] + 2 * g.padding >= g.kernel && x[2] + 2 * g.padding >= g.kernel,
             "pool2d: window {} does not fit input {}x{} with padding {}", g.kernel, x[1], x[2], g.padding);
  YOLO_CHECK(x[1] * x[2] <= std::int64_t{INT32_MAX}, "pool2d: {}x{} pixels overflow the i32 argmax", x[1], x[2]);
  return {x[0], oh, ow, x[3]};
}

void maxpool2d_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y, Tensor& argmax) {
  check_pool(ctx, x, y, g, "maxpool2d_forward", "x", "y");
  check_argmax(ctx, argmax, y, "maxpool2d_forward");
  dispatch_backend(ctx.device(), [&]<class B>() { PoolImpl<B>::max_forward(ctx, x, g, y, argmax); });
}

void maxpool2d_backward(const Context& ctx, const Tensor& dy, const Tensor& argmax, const Pool2dGeometry& g,
                        Tensor& dx) {
  check_pool(ctx, dx, dy, g, "maxpool2d_backward", "dx", "dy");
  check_argmax(ctx, argmax, dy, "maxpool2d_backward");
  dispatch_backend(ctx.device(), [&]<class B>() { PoolImpl<B>::max_backward(ctx, dy, argmax, g, dx); });
}

void avgpool2d_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y) {
  check_pool(ctx, x, y, g, "avgpool2d_forward", "x", "y");
  dispatch_backend(ctx.device(), [&]<class B>() { PoolImpl<B>::avg_forward(ctx, x, g, y); });
}

void avgpool2d_backward(const Context& ctx, const Tensor& dy, const Pool2dGeometry& g, Tensor& dx) {
  check_pool(ctx, dx, dy, g, "avgpool2d_backward", "dx", "dy");
  dispatch_backend(ctx.device(), [&]<class B>() { PoolImpl<B>::avg_backward(ctx, dy, g, dx); });
}

}  // namespace yolo
