#include "engine/graph/modules/concat.h"

#include "engine/ops/channels.h"
#include "engine/ops/upsample.h"

namespace yolo {

Tensors Concat::forward(const Context& ctx, const Tensors& inputs) {
  YOLO_CHECK(!inputs.empty(), "Concat of nothing");
  Shape out = inputs[0].shape();
  out[3] = 0;
  input_shapes_.clear();
  for (const Tensor& t : inputs) {
    out[3] += t.dim(3);
    input_shapes_.push_back(t.shape());
  }
  Tensor y = ctx.empty(out, inputs[0].dtype());
  concat_channels(ctx, inputs, y);
  return {y};
}

Tensors Concat::backward(const Context& ctx, const Tensors& grad_outputs) {
  Tensors d;
  for (const Shape& s : input_shapes_) d.push_back(ctx.empty(s, grad_outputs.at(0).dtype()));
  split_channels(ctx, grad_outputs[0], d);
  return d;
}

Tensors UpsampleNearest::forward(const Context& ctx, const Tensors& inputs) {
  const Tensor& x = inputs.at(0);
  input_shape_ = x.shape();
  Tensor y = ctx.empty({x.dim(0), x.dim(1) * factor_, x.dim(2) * factor_, x.dim(3)}, x.dtype());
  upsample_nearest_forward(ctx, x, factor_, y);
  output_elements_ = y.numel();
  return {y};
}

Tensors UpsampleNearest::backward(const Context& ctx, const Tensors& grad_outputs) {
  Tensor dx = ctx.empty(input_shape_, grad_outputs.at(0).dtype());
  upsample_nearest_backward(ctx, grad_outputs[0], factor_, dx);
  return {dx};
}

}  // namespace yolo
