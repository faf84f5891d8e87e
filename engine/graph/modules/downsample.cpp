#include "engine/graph/modules/downsample.h"

#include "engine/ops/channels.h"

namespace yolo {
namespace {

constexpr Pool2dGeometry kSmooth{2, 1, 0};  // avg_pool2d(x, 2, 1, 0, False, True)
constexpr Pool2dGeometry kHalve{3, 2, 1};   // max_pool2d(x, 3, 2, 1)

Tensor smooth(const Context& ctx, const Tensor& x) {
  Tensor y = ctx.empty(pool2d_output_shape(x.shape(), kSmooth), x.dtype());
  avgpool2d_forward(ctx, x, kSmooth, y);
  return y;
}

Tensor smooth_backward(const Context& ctx, const Tensor& dy, const Shape& input) {
  Tensor dx = ctx.empty(input, dy.dtype());
  avgpool2d_backward(ctx, dy, kSmooth, dx);
  return dx;
}

}  // namespace

AConv::AConv(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2)
    : cv1_(store, prefix + ".cv1", c1, c2, 3, 2, 1) {
  adopt(cv1_);
}

Tensor AConv::run(const Context& ctx, const Tensor& x) {
  input_shape_ = x.shape();
  return cv1_.run(ctx, smooth(ctx, x));
}

Tensor AConv::run_backward(const Context& ctx, const Tensor& dy) {
  return smooth_backward(ctx, cv1_.run_backward(ctx, dy), input_shape_);
}

ADown::ADown(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2)
    : c_(c2 / 2),
      cv1_(store, prefix + ".cv1", c1 / 2, c2 / 2, 3, 2, 1),
      cv2_(store, prefix + ".cv2", c1 / 2, c2 / 2, 1, 1, 0) {
  YOLO_CHECK(c1 % 2 == 0 && c2 % 2 == 0, "{}: ADown needs even channel counts, got {} -> {}", prefix, c1, c2);
  adopt(cv1_);
  adopt(cv2_);
}

Tensor ADown::run(const Context& ctx, const Tensor& x) {
  input_shape_ = x.shape();
  Tensor s = smooth(ctx, x);
  half_shape_ = s.shape();
  half_shape_[3] /= 2;
  Tensors halves = {ctx.empty(half_shape_, s.dtype()), ctx.empty(half_shape_, s.dtype())};
  split_channels(ctx, s, halves);
  Tensor a = cv1_.run(ctx, halves[0]);
  const Shape pooled = pool2d_output_shape(half_shape_, kHalve);
  Tensor p = ctx.empty(pooled, s.dtype()), idx = ctx.empty(pooled, DType::i32);
  maxpool2d_forward(ctx, halves[1], kHalve, p, idx);
  if (training_) argmax_ = idx;
  Tensor b = cv2_.run(ctx, p);
  Shape out = a.shape();
  out[3] = 2 * c_;
  Tensor y = ctx.empty(out, a.dtype());
  concat_channels(ctx, {a, b}, y);
  return y;
}

Tensor ADown::run_backward(const Context& ctx, const Tensor& dy) {
  YOLO_CHECK(argmax_.defined(), "ADown backward without a training forward");
  Shape half = dy.shape();
  half[3] = c_;
  Tensors d = {ctx.empty(half, dy.dtype()), ctx.empty(half, dy.dtype())};
  split_channels(ctx, dy, d);
  Tensor da = cv1_.run_backward(ctx, d[0]);
  Tensor dp = cv2_.run_backward(ctx, d[1]);
  Tensor db = ctx.empty(half_shape_, dy.dtype());
  maxpool2d_backward(ctx, dp, argmax_, kHalve, db);
  argmax_ = Tensor();
  Shape both = half_shape_;
  both[3] *= 2;
  Tensor ds = ctx.empty(both, dy.dtype());
  concat_channels(ctx, {da, db}, ds);
  return smooth_backward(ctx, ds, input_shape_);
}

}  // namespace yolo
