#include "engine/graph/modules/bottleneck.h"

#include "engine/ops/elementwise.h"

namespace yolo {

Bottleneck::Bottleneck(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2,
                       bool shortcut, int groups, int k1, int k2, double e)
    : cv1_(store, prefix + ".cv1", c1, static_cast<std::int64_t>(static_cast<double>(c2) * e), k1, 1),
      cv2_(store, prefix + ".cv2", static_cast<std::int64_t>(static_cast<double>(c2) * e), c2, k2, 1, -1, groups),
      add_(shortcut && c1 == c2) {
  adopt(cv1_);
  adopt(cv2_);
}

Tensor Bottleneck::run(const Context& ctx, const Tensor& x) {
  Tensor y = cv2_.run(ctx, cv1_.run(ctx, x));
  if (add_) add(ctx, y, x, y);
  return y;
}

Tensor Bottleneck::run_backward(const Context& ctx, const Tensor& dy) {
  Tensor dx = cv1_.run_backward(ctx, cv2_.run_backward(ctx, dy));
  if (add_) add(ctx, dx, dy, dx);  // the shortcut passes dy through
  return dx;
}

Tensors Bottleneck::forward(const Context& ctx, const Tensors& inputs) { return {run(ctx, inputs.at(0))}; }
Tensors Bottleneck::backward(const Context& ctx, const Tensors& grad_outputs) {
  return {run_backward(ctx, grad_outputs.at(0))};
}

}  // namespace yolo
