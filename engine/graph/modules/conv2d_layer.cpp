#include "engine/graph/modules/conv2d_layer.h"

#include "engine/ops/elementwise.h"

namespace yolo {

int autopad(int kernel, int dilation) { return dilation * (kernel - 1) / 2; }

Conv2dLayer::Conv2dLayer(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int kernel,
                         int stride, int padding, int groups, bool bias, int dilation)
    : geometry_{stride, padding, dilation, groups} {
  YOLO_CHECK(c1 % groups == 0 && c2 % groups == 0, "{}: {} -> {} channels do not split into {} groups", prefix, c1, c2,
             groups);
  weight_ = &store.add_parameter(prefix + ".weight", {c2, kernel, kernel, c1 / groups}, ParameterRole::weight);
  own(*weight_);
  if (bias) {
    bias_ = &store.add_parameter(prefix + ".bias", {c2}, ParameterRole::bias);
    own(*bias_);
  }
}

namespace {

// master (f32) += half, via an f32 copy of half (weight-sized: small).
void add_to_master(const Context& ctx, const Tensor& half, Tensor& master) {
  add(ctx, master, cast_to(ctx, half, DType::f32), master);
}

}  // namespace

void Conv2dLayer::set_half_precision(const Context& ctx, DType dtype) {
  half_weight_ = half_bias_ = Tensor();
  if (dtype == DType::f32) return;
  half_weight_ = cast_to(ctx, weight_->value, dtype);
  if (bias_ != nullptr) half_bias_ = cast_to(ctx, bias_->value, dtype);
}

Tensor Conv2dLayer::apply(const Context& ctx, const Tensor& x) {
  const bool half = x.dtype() != DType::f32;
  YOLO_CHECK(!half || (half_weight_.defined() && half_weight_.dtype() == x.dtype()),
             "Conv2d: a {} input needs set_half_precision({}) first", dtype_name(x.dtype()), dtype_name(x.dtype()));
  const Tensor& w = half ? half_weight_ : weight_->value;
  const Tensor b = bias_ == nullptr ? Tensor() : half ? half_bias_ : bias_->value;
  Tensor y = ctx.empty(conv2d_output_shape(x.shape(), w.shape(), geometry_), x.dtype());
  conv2d_forward(ctx, x, w, b, geometry_, y);
  flops_ = static_cast<double>(y.numel()) * static_cast<double>(w.numel() / w.dim(0));
  return y;
}

Tensor Conv2dLayer::apply_backward(const Context& ctx, const Tensor& x, const Tensor& dy, bool want_dx) {
  Tensor no_bias_grad;
  if (x.dtype() == DType::f32) {
    conv2d_backward_weights(ctx, x, dy, geometry_, weight_->grad, bias_ != nullptr ? bias_->grad : no_bias_grad, 1.0f);
  } else {
    // Mixed precision: the weight gradient comes in the half dtype and is
    // added to the f32 master gradient (which accumulates across batches).
    Tensor dw = ctx.empty(half_weight_.shape(), x.dtype());
    Tensor db = bias_ != nullptr ? ctx.empty(half_bias_.shape(), x.dtype()) : Tensor();
    conv2d_backward_weights(ctx, x, dy, geometry_, dw, db, 0.0f);
    add_to_master(ctx, dw, weight_->grad);
    if (bias_ != nullptr) add_to_master(ctx, db, bias_->grad);
  }
  if (!want_dx) return Tensor();
  Tensor dx = ctx.empty(x.shape(), x.dtype());
  conv2d_backward_data(ctx, dy, x.dtype() == DType::f32 ? weight_->value : half_weight_, geometry_, dx);
  return dx;
}

Tensors Conv2dLayer::forward(const Context& ctx, const Tensors& inputs) {
  Tensor y = apply(ctx, inputs.at(0));
  if (training_) saved_input_ = inputs[0];
  return {y};
}

Tensors Conv2dLayer::backward(const Context& ctx, const Tensors& grad_outputs) {
  YOLO_CHECK(saved_input_.defined(), "Conv2d backward without a training forward");
  Tensor dx = apply_backward(ctx, saved_input_, grad_outputs.at(0), needs_input_grad_);
  saved_input_ = Tensor();
  return {dx};
}

}  // namespace yolo
