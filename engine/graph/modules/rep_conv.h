#pragma once
// defines: RepConvN, YOLOv9's re-parameterisable conv for training:
// y = SiLU(bn1(conv3x3(x)) + bn2(conv1x1(x))), both convs without bias; the
// two branches fold into one 3x3 conv for inference.
#include "engine/graph/modules/conv_block.h"

namespace yolo {

class RepConvN : public UnaryModule {
 public:
  RepConvN(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int k = 3,
           int stride = 1, int groups = 1);

  std::string_view type() const override { return "RepConvN"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;
  unsigned shared_leaves() const override { return Module::shared_leaves() | kRepConvSilu; }

 private:
  ConvBlock conv1_, conv2_;  // act=False both: the sum is activated
  Tensor saved_sum_;
};

}  // namespace yolo
