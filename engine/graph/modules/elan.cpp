#include "engine/graph/modules/elan.h"

#include "engine/graph/modules/rep_csp.h"
#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"

namespace yolo {

Elan::Elan(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, std::int64_t c3,
           std::int64_t c4, int n)
    : rep_(n >= 0), c3_(c3), c4_(c4), cv1_(store, prefix + ".cv1", c1, c3, 1, 1) {
  adopt(cv1_);
  auto stage = [&](Stage& s, const std::string& name, std::int64_t in) {
    if (rep_) {
      s.push_back(std::make_unique<RepCsp>(store, name + ".0", in, c4, n));
      s.push_back(std::make_unique<ConvBlock>(store, name + ".1", c4, c4, 3, 1));
    } else {
      s.push_back(std::make_unique<ConvBlock>(store, name, in, c4, 3, 1));
    }
    for (auto& m : s) adopt(*m);
  };
  stage(cv2_, prefix + ".cv2", c3 / 2);
  stage(cv3_, prefix + ".cv3", c4);
  cv4_ = std::make_unique<ConvBlock>(store, prefix + ".cv4", c3 + 2 * c4, c2, 1, 1);
  adopt(*cv4_);
}

Tensor Elan::run_stage(const Context& ctx, Stage& s, Tensor x) {
  for (auto& m : s) x = m->run(ctx, x);
  return x;
}

Tensor Elan::run_stage_backward(const Context& ctx, Stage& s, Tensor dy) {
  for (auto it = s.rbegin(); it != s.rend(); ++it) dy = (*it)->run_backward(ctx, dy);
  return dy;
}

Tensor Elan::run(const Context& ctx, const Tensor& x) {
  Tensor t = cv1_.run(ctx, x);
  Shape half = t.shape();
  half[3] = c3_ / 2;
  Tensors parts = {ctx.empty(half, t.dtype()), ctx.empty(half, t.dtype())};
  split_channels(ctx, t, parts);
  parts.push_back(run_stage(ctx, cv2_, parts[1]));
  parts.push_back(run_stage(ctx, cv3_, parts[2]));
  Shape all = t.shape();
  all[3] = c3_ + 2 * c4_;
  Tensor cat = ctx.empty(all, t.dtype());
  concat_channels(ctx, parts, cat);
  return cv4_->run(ctx, cat);
}

Tensor Elan::run_backward(const Context& ctx, const Tensor& dy) {
  Tensor dcat = cv4_->run_backward(ctx, dy);
  Shape half = dcat.shape(), wide = dcat.shape();
  half[3] = c3_ / 2;
  wide[3] = c4_;
  Tensors d = {ctx.empty(half, dcat.dtype()), ctx.empty(half, dcat.dtype()), ctx.empty(wide, dcat.dtype()),
               ctx.empty(wide, dcat.dtype())};
  split_channels(ctx, dcat, d);
  // p feeds cv3 and the concat; b feeds cv2 and the concat.
  add(ctx, d[2], run_stage_backward(ctx, cv3_, d[3]), d[2]);
  add(ctx, d[1], run_stage_backward(ctx, cv2_, d[2]), d[1]);
  Shape both = half;
  both[3] = c3_;
  Tensor dt = ctx.empty(both, dcat.dtype());
  concat_channels(ctx, {d[0], d[1]}, dt);
  return cv1_.run_backward(ctx, dt);
}

}  // namespace yolo
