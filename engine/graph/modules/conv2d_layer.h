#pragma once
// defines: Conv2dLayer, torch.nn.Conv2d: a convolution with an optional
// bias, weights (O, KH, KW, C / groups). Detect's last 1x1 convs.
#include <string>

#include "engine/graph/module.h"
#include "engine/graph/parameter_store.h"
#include "engine/ops/conv2d.h"

namespace yolo {

class Conv2dLayer : public Module {
 public:
  // Declares `prefix`.weight (and .bias) in the store.
  Conv2dLayer(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int kernel,
              int stride, int padding, int groups, bool bias, int dilation = 1);

  std::string_view type() const override { return "Conv2d"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;
  double last_flops() const override { return flops_; }

  Parameter& weight() { return *weight_; }
  Parameter* bias() { return bias_; }
  const Conv2dGeometry& geometry() const { return geometry_; }
  // y = conv(x) (+ b) for a given input: the shared step of Conv2dLayer and ConvBlock.
  Tensor apply(const Context& ctx, const Tensor& x);
  // dx (if wanted) from dy, and dw (db) += their gradient; x is the forward's input.
  Tensor apply_backward(const Context& ctx, const Tensor& x, const Tensor& dy, bool want_dx);
  void set_half_precision(const Context& ctx, DType dtype) override;

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
  Conv2dGeometry geometry_;
  Tensor saved_input_;
  Tensor half_weight_, half_bias_;  // half-precision copies, used for half inputs
  double flops_ = 0.0;
};

// ultralytics' autopad: "same" padding for odd kernels, p = d * (k - 1) / 2.
int autopad(int kernel, int dilation = 1);

}  // namespace yolo
