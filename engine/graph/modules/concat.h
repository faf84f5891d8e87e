#pragma once
// defines: Concat (channels, ultralytics' Concat(1)) and UpsampleNearest
// (torch.nn.Upsample(None, factor, "nearest")): modules without parameters.
#include "engine/graph/module.h"

namespace yolo {

class Concat : public Module {
 public:
  std::string_view type() const override { return "Concat"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;

 private:
  std::vector<Shape> input_shapes_;
};

class UpsampleNearest : public Module {
 public:
  explicit UpsampleNearest(int factor) : factor_(factor) {}
  std::string_view type() const override { return "Upsample"; }
  std::int64_t last_output_elements() const { return output_elements_; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;

 private:
  int factor_;
  Shape input_shape_;
  std::int64_t output_elements_ = 0;
};

}  // namespace yolo
