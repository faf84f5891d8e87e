#pragma once
// defines: ConvBlock, ultralytics' Conv: convolution (no bias) -> BatchNorm2d
// (eps 1e-3, momentum 0.03) -> SiLU, with batch norm and the activation
// fused into one pass each way.
#include <string>

#include "engine/graph/modules/conv2d_layer.h"
#include "engine/ops/batchnorm.h"

namespace yolo {

class ConvBlock : public UnaryModule {
 public:
  // Declares `prefix`.conv.weight, .bn.weight, .bn.bias and the running
  // statistics. padding < 0 means autopad.
  ConvBlock(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int kernel = 1,
            int stride = 1, int padding = -1, int groups = 1, int dilation = 1, Activation act = Activation::silu);

  std::string_view type() const override { return "Conv"; }
  double last_flops() const override;
  // conv and bn; with act=False also its own nn.Identity (the SiLU all
  // Conv blocks share is counted once per model: shared_leaves).
  int torch_layer_count() const override { return act_ == Activation::identity ? 3 : 2; }
  int torch_module_count() const override {
    return act_ == Activation::identity ? 4 : 3;
  }  // Conv, conv, bn (+ Identity)
  unsigned shared_leaves() const override { return act_ == Activation::silu ? kConvSilu : 0u; }
  void set_needs_input_grad(bool needed) override;
  void set_batchnorm_sync(BatchNormSync* sync) override { sync_ = sync; }
  // w' = w * gamma / sqrt(var + eps), b' = beta - mean * gamma / sqrt(var + eps):
  // an eval forward is then one convolution with the activation fused.
  void fuse(const Context& ctx) override;
  void set_half_precision(const Context& ctx, DType dtype) override;

  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;

 private:
  Conv2dLayer conv_;
  BatchNorm bn_;
  BatchNormSync* sync_ = nullptr;  // SyncBN, when set
  Tensor fused_weight_, fused_bias_;  // after fuse(), in the inference dtype
  Parameter* gamma_;
  Parameter* beta_;
  Buffer* running_mean_;
  Buffer* running_var_;
  Activation act_;
  Tensor saved_conv_output_;
  BatchNormSaved saved_stats_;
  double bn_flops_ = 0.0;
};

}  // namespace yolo
