#include "engine/graph/modules/c2f.h"

#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"

namespace yolo {

C2f::C2f(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int n, bool shortcut,
         int groups, double e)
    : c_(static_cast<std::int64_t>(static_cast<double>(c2) * e)),
      cv1_(store, prefix + ".cv1", c1, 2 * c_, 1, 1),
      cv2_(store, prefix + ".cv2", (2 + n) * c_, c2, 1) {
  adopt(cv1_);
  adopt(cv2_);
  for (int i = 0; i < n; ++i) {
    m_.push_back(
        std::make_unique<Bottleneck>(store, prefix + ".m." + std::to_string(i), c_, c_, shortcut, groups, 3, 3, 1.0));
    adopt(*m_.back());
  }
}

Tensor C2f::run(const Context& ctx, const Tensor& x) {
  Tensor t = cv1_.run(ctx, x);
  Shape half = t.shape();
  half[3] = c_;
  Tensors parts = {ctx.empty(half, t.dtype()), ctx.empty(half, t.dtype())};
  split_channels(ctx, t, parts);
  for (auto& m : m_) parts.push_back(m->run(ctx, parts.back()));
  Shape all = t.shape();
  all[3] = c_ * static_cast<std::int64_t>(parts.size());
  Tensor cat = ctx.empty(all, t.dtype());
  concat_channels(ctx, parts, cat);
  return cv2_.run(ctx, cat);
}

Tensor C2f::run_backward(const Context& ctx, const Tensor& dy) {
  Tensor dcat = cv2_.run_backward(ctx, dy);
  Shape part = dcat.shape();
  part[3] = c_;
  Tensors dparts;
  for (std::size_t i = 0; i < m_.size() + 2; ++i) dparts.push_back(ctx.empty(part, dcat.dtype()));
  split_channels(ctx, dcat, dparts);
  // b_k feeds m_{k+1} and the concat: walk the chain back, summing both.
  for (std::size_t k = m_.size(); k >= 1; --k) {
    Tensor d = m_[k - 1]->run_backward(ctx, dparts[k + 1]);
    add(ctx, dparts[k], d, dparts[k]);
  }
  Shape both = part;
  both[3] = 2 * c_;
  Tensor dt = ctx.empty(both, dcat.dtype());
  concat_channels(ctx, {dparts[0], dparts[1]}, dt);
  return cv1_.run_backward(ctx, dt);
}

}  // namespace yolo
