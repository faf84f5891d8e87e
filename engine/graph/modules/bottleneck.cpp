#include "engine/graph/modules/bottleneck.h"

#include "engine/graph/modules/rep_conv.h"
#include "engine/ops/elementwise.h"

namespace yolo {

Bottleneck::Bottleneck(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2,
                       bool shortcut, int groups, int k1, int k2, double e, bool rep_conv)
    : rep_(rep_conv),
      cv1_(rep_conv ? std::unique_ptr<UnaryModule>(std::make_unique<RepConvN>(
                          store, prefix + ".cv1", c1, static_cast<std::int64_t>(static_cast<double>(c2) * e), k1))
                    : std::make_unique<ConvBlock>(store, prefix + ".cv1", c1,
                                                  static_cast<std::int64_t>(static_cast<double>(c2) * e), k1, 1)),
      cv2_(store, prefix + ".cv2", static_cast<std::int64_t>(static_cast<double>(c2) * e), c2, k2, 1, -1, groups),
      add_(shortcut && c1 == c2) {
  adopt(*cv1_);
  adopt(cv2_);
}

Tensor Bottleneck::run(const Context& ctx, const Tensor& x) {
  Tensor y = cv2_.run(ctx, cv1_->run(ctx, x));
  if (add_) add(ctx, y, x, y);
  return y;
}

Tensor Bottleneck::run_backward(const Context& ctx, const Tensor& dy) {
  Tensor dx = cv1_->run_backward(ctx, cv2_.run_backward(ctx, dy));
  if (add_) add(ctx, dx, dy, dx);  // the shortcut passes dy through
  return dx;
}

}  // namespace yolo
