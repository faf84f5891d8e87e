#pragma once
// defines: CbLinear and CbFuse, the auxiliary reversible branch of YOLOv9
// (and yolov9e's second backbone), and Identity (nn.Identity / Silence).
//   CBLinear: one 1x1 conv with bias to sum(c2s) channels, split into c2s groups (several outputs).
//   CBFuse:   y = sum_i upsample_nearest(input_i[idx_i], to the target's size) + target
#include <vector>

#include "engine/graph/modules/conv2d_layer.h"

namespace yolo {

class CbLinear : public Module {
 public:
  CbLinear(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::vector<std::int64_t> c2s,
           int kernel = 1, int stride = 1);
  std::string_view type() const override { return "CBLinear"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  // Outputs nobody read come as undefined gradients: they count as zero.
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;
  int outputs() const { return static_cast<int>(c2s_.size()); }

 private:
  std::vector<std::int64_t> c2s_;
  Conv2dLayer conv_;
};

class CbFuse : public Module {
 public:
  // input_counts[i]: how many outputs the i-th source row has (its tensors
  // arrive flattened, then the target last); idx[i]: which one to take.
  CbFuse(std::vector<int> idx, std::vector<int> input_counts);
  std::string_view type() const override { return "CBFuse"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;

 private:
  std::vector<int> idx_, counts_;
  std::vector<Shape> input_shapes_;
};

class Identity : public Module {
 public:
  explicit Identity(std::string_view type) : type_(type) {}
  std::string_view type() const override { return type_; }
  Tensors forward(const Context&, const Tensors& inputs) override { return inputs; }
  Tensors backward(const Context&, const Tensors& grad_outputs) override { return grad_outputs; }

 private:
  std::string_view type_;
};

}  // namespace yolo
