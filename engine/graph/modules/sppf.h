#pragma once
// defines: SPPF, ultralytics' spatial pyramid pooling (fast): cv1 to c1/2
// channels, three chained k x k max-pools (stride 1), y = cv2(concat of all four).
#include "engine/graph/modules/conv_block.h"
#include "engine/ops/pool.h"

namespace yolo {

class Sppf : public Module {
 public:
  Sppf(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int k);

  std::string_view type() const override { return "SPPF"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;
  int torch_layer_count() const override { return Module::torch_layer_count() + 1; }  // + MaxPool2d

 private:
  std::int64_t c_;
  ConvBlock cv1_, cv2_;
  Pool2dGeometry pool_;
  Tensors argmax_;  // per pooling, for backward
};

}  // namespace yolo
