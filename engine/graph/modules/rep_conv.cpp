#include "engine/graph/modules/rep_conv.h"

#include "engine/ops/elementwise.h"

namespace yolo {

RepConvN::RepConvN(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int k,
                   int stride, int groups)
    : conv1_(store, prefix + ".conv1", c1, c2, k, stride, k / 2, groups, 1, Activation::identity),
      conv2_(store, prefix + ".conv2", c1, c2, 1, stride, 0, groups, 1, Activation::identity) {
  adopt(conv1_);
  adopt(conv2_);
}

Tensor RepConvN::run(const Context& ctx, const Tensor& x) {
  Tensor sum = conv1_.run(ctx, x);
  add(ctx, sum, conv2_.run(ctx, x), sum);
  Tensor y = ctx.empty(sum.shape(), sum.dtype());
  silu_forward(ctx, sum, y);
  if (training_) saved_sum_ = sum;
  return y;
}

Tensor RepConvN::run_backward(const Context& ctx, const Tensor& dy) {
  YOLO_CHECK(saved_sum_.defined(), "RepConvN backward without a training forward");
  Tensor dsum = ctx.empty(dy.shape(), dy.dtype());
  silu_backward(ctx, saved_sum_, dy, dsum);
  saved_sum_ = Tensor();
  Tensor dx = conv1_.run_backward(ctx, dsum);
  add(ctx, dx, conv2_.run_backward(ctx, dsum), dx);
  return dx;
}

}  // namespace yolo
