#pragma once
// defines: Bottleneck, ultralytics' Bottleneck: y = x + cv2(cv1(x)) (the
// shortcut only when asked for and c1 == c2), hidden width c2 * e.
#include "engine/graph/modules/conv_block.h"

namespace yolo {

class Bottleneck : public Module {
 public:
  Bottleneck(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, bool shortcut,
             int groups, int k1, int k2, double e);

  std::string_view type() const override { return "Bottleneck"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;

  Tensor run(const Context& ctx, const Tensor& x);
  Tensor run_backward(const Context& ctx, const Tensor& dy);

 private:
  ConvBlock cv1_, cv2_;
  bool add_;
};

}  // namespace yolo
