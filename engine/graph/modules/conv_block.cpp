#include "engine/graph/modules/conv_block.h"

#include "engine/ops/elementwise.h"

namespace yolo {

ConvBlock::ConvBlock(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int kernel,
                     int stride, int padding, int groups, int dilation, Activation act)
    : conv_(store, prefix + ".conv", c1, c2, kernel, stride, padding < 0 ? autopad(kernel, dilation) : padding, groups,
            false, dilation),
      gamma_(&store.add_parameter(prefix + ".bn.weight", {c2}, ParameterRole::bn_weight)),
      beta_(&store.add_parameter(prefix + ".bn.bias", {c2}, ParameterRole::bias)),
      running_mean_(&store.add_buffer(prefix + ".bn.running_mean", {c2}, 0.0f)),
      running_var_(&store.add_buffer(prefix + ".bn.running_var", {c2}, 1.0f)),
      act_(act) {
  adopt(conv_);
  own(*gamma_);
  own(*beta_);
}

void ConvBlock::set_needs_input_grad(bool needed) {
  Module::set_needs_input_grad(needed);
  conv_.set_needs_input_grad(needed);
}

double ConvBlock::last_flops() const { return conv_.last_flops() + bn_flops_; }

void ConvBlock::fuse(const Context& ctx) {
  const Tensor& w = conv_.weight().value;
  BatchNorm bn = bn_;
  bn.gamma = gamma_->value, bn.beta = beta_->value;
  bn.running_mean = running_mean_->value, bn.running_var = running_var_->value;
  fused_weight_ = ctx.empty(w.shape(), w.dtype());
  fused_bias_ = ctx.empty({w.dim(0)}, w.dtype());
  fold_batchnorm(ctx, w, Tensor(), bn, fused_weight_, fused_bias_);
}

void ConvBlock::set_half_precision(const Context& ctx, DType dtype) {
  Module::set_half_precision(ctx, dtype);  // the unfused path's convolution
  if (!fused_weight_.defined()) return;
  fuse(ctx);  // folded in f32 from the current weights, then rounded once
  if (dtype == DType::f32) return;
  fused_weight_ = cast_to(ctx, fused_weight_, dtype);
  fused_bias_ = cast_to(ctx, fused_bias_, dtype);
}

Tensor ConvBlock::run(const Context& ctx, const Tensor& x) {
  if (!training_ && fused_weight_.defined() && fused_weight_.dtype() == x.dtype()) {
    const Shape shape = conv2d_output_shape(x.shape(), fused_weight_.shape(), conv_.geometry());
    Tensor y = ctx.empty(shape, x.dtype());
    conv2d_forward(ctx, x, fused_weight_, fused_bias_, conv_.geometry(), y, act_);
    bn_flops_ = 0.0;
    return y;
  }
  // The store hands out views only after allocation: bind them per call.
  bn_.gamma = gamma_->value;
  bn_.beta = beta_->value;
  bn_.running_mean = running_mean_->value;
  bn_.running_var = running_var_->value;
  Tensor z = conv_.forward(ctx, {x})[0];  // keeps x for its backward when training
  Tensor y = ctx.empty(z.shape(), z.dtype());
  bn_flops_ = 4.0 * static_cast<double>(z.numel());  // thop: 2 per element, doubled for the affine part
  if (training_) {
    saved_stats_ = batchnorm_forward_train(ctx, z, bn_, act_, y, sync_);
    saved_conv_output_ = z;
  } else {
    batchnorm_forward_eval(ctx, z, bn_, act_, y);
  }
  return y;
}

Tensor ConvBlock::run_backward(const Context& ctx, const Tensor& dy) {
  YOLO_CHECK(saved_conv_output_.defined(), "Conv backward without a training forward");
  const Tensor& z = saved_conv_output_;
  Tensor dz = ctx.empty(z.shape(), z.dtype());
  batchnorm_backward(ctx, z, dy, bn_, saved_stats_, act_, dz, gamma_->grad, beta_->grad, 1.0f, sync_);
  saved_conv_output_ = Tensor();
  saved_stats_ = BatchNormSaved();
  return conv_.backward(ctx, {dz})[0];
}

}  // namespace yolo
