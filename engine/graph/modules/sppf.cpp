#include "engine/graph/modules/sppf.h"

#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"

namespace yolo {

Sppf::Sppf(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, std::int64_t hidden,
           int k, bool elan)
    : elan_(elan),
      c_(hidden),
      cv1_(store, prefix + ".cv1", c1, hidden, 1, 1),
      cv_out_(store, prefix + (elan ? ".cv5" : ".cv2"), 4 * hidden, c2, 1, 1),
      pool_{k, 1, k / 2} {
  adopt(cv1_);
  adopt(cv_out_);
}

Tensor Sppf::run(const Context& ctx, const Tensor& x) {
  Tensors y = {cv1_.run(ctx, x)};
  argmax_.clear();
  for (int i = 0; i < 3; ++i) {
    Tensor p = ctx.empty(y.back().shape(), y.back().dtype());
    Tensor idx = ctx.empty(y.back().shape(), DType::i32);
    maxpool2d_forward(ctx, y.back(), pool_, p, idx);
    y.push_back(p);
    if (training_) argmax_.push_back(idx);
  }
  Shape all = y[0].shape();
  all[3] = 4 * c_;
  Tensor cat = ctx.empty(all, y[0].dtype());
  concat_channels(ctx, y, cat);
  return cv_out_.run(ctx, cat);
}

Tensor Sppf::run_backward(const Context& ctx, const Tensor& dy) {
  YOLO_CHECK(argmax_.size() == 3, "{} backward without a training forward", type());
  Tensor dcat = cv_out_.run_backward(ctx, dy);
  Shape part = dcat.shape();
  part[3] = c_;
  Tensors d;
  for (int i = 0; i < 4; ++i) d.push_back(ctx.empty(part, dcat.dtype()));
  split_channels(ctx, dcat, d);
  // y_{i+1} = pool(y_i): y_i's gradient is its concat slice plus the pool's.
  Tensor through = ctx.empty(part, dcat.dtype());
  for (int i = 2; i >= 0; --i) {
    maxpool2d_backward(ctx, d[static_cast<std::size_t>(i) + 1], argmax_[static_cast<std::size_t>(i)], pool_, through);
    add(ctx, d[static_cast<std::size_t>(i)], through, d[static_cast<std::size_t>(i)]);
  }
  argmax_.clear();
  return cv1_.run_backward(ctx, d[0]);
}

}  // namespace yolo
