#include "engine/graph/modules/rep_csp.h"

#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"

namespace yolo {

RepCsp::RepCsp(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int n, bool shortcut,
               int groups, double e)
    : c_(static_cast<std::int64_t>(static_cast<double>(c2) * e)),
      cv1_(store, prefix + ".cv1", c1, c_, 1, 1),
      cv2_(store, prefix + ".cv2", c1, c_, 1, 1),
      cv3_(store, prefix + ".cv3", 2 * c_, c2, 1) {
  adopt(cv1_);
  adopt(cv2_);
  adopt(cv3_);
  for (int i = 0; i < n; ++i) {
    m_.push_back(std::make_unique<Bottleneck>(store, prefix + ".m." + std::to_string(i), c_, c_, shortcut, groups, 3, 3,
                                              1.0, /*rep_conv=*/true));
    adopt(*m_.back());
  }
}

Tensor RepCsp::run(const Context& ctx, const Tensor& x) {
  Tensor a = cv1_.run(ctx, x);
  for (auto& m : m_) a = m->run(ctx, a);
  Tensor b = cv2_.run(ctx, x);
  Shape both = a.shape();
  both[3] = 2 * c_;
  Tensor cat = ctx.empty(both, a.dtype());
  concat_channels(ctx, {a, b}, cat);
  return cv3_.run(ctx, cat);
}

Tensor RepCsp::run_backward(const Context& ctx, const Tensor& dy) {
  Tensor dcat = cv3_.run_backward(ctx, dy);
  Shape half = dcat.shape();
  half[3] = c_;
  Tensors d = {ctx.empty(half, dcat.dtype()), ctx.empty(half, dcat.dtype())};
  split_channels(ctx, dcat, d);
  Tensor da = d[0];
  for (auto it = m_.rbegin(); it != m_.rend(); ++it) da = (*it)->run_backward(ctx, da);
  Tensor dx = cv1_.run_backward(ctx, da);
  add(ctx, dx, cv2_.run_backward(ctx, d[1]), dx);
  return dx;
}

}  // namespace yolo
