#include "engine/graph/modules/cb_fuse.h"

#include <numeric>

#include "engine/core/copy.h"
#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/upsample.h"

namespace yolo {

CbLinear::CbLinear(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::vector<std::int64_t> c2s,
                   int kernel, int stride)
    : c2s_(std::move(c2s)),
      conv_(store, prefix + ".conv", c1, std::accumulate(c2s_.begin(), c2s_.end(), std::int64_t{0}), kernel, stride,
            autopad(kernel), 1, true) {
  adopt(conv_);
}

Tensors CbLinear::forward(const Context& ctx, const Tensors& inputs) {
  Tensor y = conv_.forward(ctx, {inputs.at(0)})[0];
  Tensors parts;
  for (std::int64_t c : c2s_) {
    Shape s = y.shape();
    s[3] = c;
    parts.push_back(ctx.empty(s, y.dtype()));
  }
  split_channels(ctx, y, parts);
  return parts;
}

Tensors CbLinear::backward(const Context& ctx, const Tensors& grad_outputs) {
  YOLO_CHECK(grad_outputs.size() == c2s_.size(), "CBLinear backward: {} gradients for {} outputs", grad_outputs.size(),
             c2s_.size());
  Tensors parts = grad_outputs;
  Shape all;
  DType dtype = DType::f32;  // the gradients' (half under mixed precision)
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].defined()) all = parts[i].shape(), dtype = parts[i].dtype();
  }
  YOLO_CHECK(all.ndim() == 4, "CBLinear backward without any gradient");
  all[3] = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Shape s = all;
    s[3] = c2s_[i];
    if (!parts[i].defined()) parts[i] = ctx.zeros(s, dtype);
    all[3] += c2s_[i];
  }
  Tensor dy = ctx.empty(all, parts[0].dtype());
  concat_channels(ctx, parts, dy);
  return conv_.backward(ctx, {dy});
}

CbFuse::CbFuse(std::vector<int> idx, std::vector<int> input_counts)
    : idx_(std::move(idx)), counts_(std::move(input_counts)) {
  YOLO_CHECK(idx_.size() == counts_.size(), "CBFuse: {} indices for {} source rows", idx_.size(), counts_.size());
  for (std::size_t i = 0; i < idx_.size(); ++i)
    YOLO_CHECK(idx_[i] >= 0 && idx_[i] < counts_[i], "CBFuse: index {} of a source with {} outputs", idx_[i],
               counts_[i]);
}

Tensors CbFuse::forward(const Context& ctx, const Tensors& inputs) {
  const std::size_t total = std::accumulate(counts_.begin(), counts_.end(), std::size_t{0});
  YOLO_CHECK(inputs.size() == total + 1, "CBFuse: {} inputs, expected {}", inputs.size(), total + 1);
  const Tensor& target = inputs.back();
  Tensor y = ctx.empty(target.shape(), target.dtype());
  fill(ctx, y, 0.0);
  input_shapes_.clear();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < idx_.size(); ++i) {
    const Tensor& x = inputs[offset + static_cast<std::size_t>(idx_[i])];
    offset += static_cast<std::size_t>(counts_[i]);
    input_shapes_.push_back(x.shape());
    const std::int64_t factor = target.dim(1) / x.dim(1);
    YOLO_CHECK(factor * x.dim(1) == target.dim(1) && factor * x.dim(2) == target.dim(2) && x.dim(3) == target.dim(3),
               "CBFuse: {} does not resize to {} by an integer factor", x.str(), target.str());
    if (factor == 1) {
      add(ctx, y, x, y);
    } else {
      Tensor up = ctx.empty(target.shape(), target.dtype());
      upsample_nearest_forward(ctx, x, static_cast<int>(factor), up);
      add(ctx, y, up, y);
    }
  }
  add(ctx, y, target, y);
  return {y};
}

Tensors CbFuse::backward(const Context& ctx, const Tensors& grad_outputs) {
  const Tensor& dy = grad_outputs.at(0);
  Tensors d;
  for (std::size_t i = 0; i < idx_.size(); ++i) {
    for (int j = 0; j < counts_[i]; ++j) {
      if (j != idx_[i]) {
        d.emplace_back();  // outputs of the source row this fuse does not read
        continue;
      }
      const Shape& s = input_shapes_[i];
      const std::int64_t factor = dy.dim(1) / s[1];
      Tensor g = ctx.empty(s, dy.dtype());
      if (factor == 1) {
        copy(ctx, dy, g);
      } else {
        upsample_nearest_backward(ctx, dy, static_cast<int>(factor), g);
      }
      d.push_back(g);
    }
  }
  Tensor dt = ctx.empty(dy.shape(), dy.dtype());
  copy(ctx, dy, dt);
  d.push_back(dt);
  return d;
}

}  // namespace yolo
