#pragma once
// defines: Sppf, ultralytics' SPPF (spatial pyramid pooling, fast) and
// YOLOv9's SPPELAN, the same graph: cv1 to `hidden` channels, three chained
// k x k max-pools (stride 1), y = cv_out(concat of all four). SPPF: hidden =
// c1 / 2, output conv cv2, one MaxPool2d module; SPPELAN: hidden c3, output
// conv cv5, three MaxPool2d modules (cv2..cv4).
#include "engine/graph/modules/conv_block.h"
#include "engine/ops/pool.h"

namespace yolo {

class Sppf : public UnaryModule {
 public:
  Sppf(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, std::int64_t hidden, int k,
       bool elan);

  std::string_view type() const override { return elan_ ? "SPPELAN" : "SPPF"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;
  int torch_layer_count() const override { return Module::torch_layer_count() + (elan_ ? 3 : 1); }
  // The YOLOv9 repository wraps each of SPPELAN's pools in an SP module.
  int torch_module_count() const override {
    return Module::torch_module_count() + (elan_ ? (wrapped_pools_ ? 6 : 3) : 1);
  }
  void set_wrapped_pools(bool wrapped) { wrapped_pools_ = wrapped; }

 private:
  bool elan_;
  bool wrapped_pools_ = false;
  std::int64_t c_;
  ConvBlock cv1_, cv_out_;
  Pool2dGeometry pool_;
  Tensors argmax_;  // per pooling, for backward
};

}  // namespace yolo
