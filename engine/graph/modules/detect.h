#pragma once
// defines: Detect, YOLOv8's anchor-free detection head. Per pyramid level i
// (input channels ch[i]):
//   box  cv2.i = Conv(ch, c2, 3) -> Conv(c2, c2, 3) -> Conv2d(c2, 4*reg_max, 1)
//   cls  cv3.i = Conv(ch, c3, 3) -> Conv(c3, c3, 3) -> Conv2d(c3, nc, 1)
// with c2 = max(16, ch[0] / 4, 4*reg_max), c3 = max(ch[0], min(nc, 100)).
// Training output: per level (B, H, W, 4*reg_max + nc), box logits then
// class logits (ultralytics' per-level cat, channels last). Eval output:
// (B, anchors, 4 + nc), boxes (cx, cy, w, h) in pixels and class scores.
#include <memory>
#include <vector>

#include "engine/graph/modules/conv_block.h"

namespace yolo {

class Detect : public Module {
 public:
  Detect(ParameterStore& store, const std::string& prefix, int nc, const std::vector<std::int64_t>& ch,
         int reg_max = 16);

  std::string_view type() const override { return "Detect"; }
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;
  int torch_layer_count() const override { return Module::torch_layer_count() + 1; }  // + the DFL's conv
  // The branches, and in eval mode the DFL's 1x1 conv (reg_max -> 1 per side), which thop counts.
  double last_flops() const override { return Module::last_flops() + dfl_flops_; }

  int nc() const { return nc_; }
  int reg_max() const { return reg_max_; }
  int levels() const { return static_cast<int>(branches_.size()); }
  // Input pixels per grid cell of each level, known once the model is built.
  void set_strides(std::vector<float> strides) { strides_ = std::move(strides); }
  const std::vector<float>& strides() const { return strides_; }
  // ultralytics' bias_init, after the weights are initialised: box biases
  // 1.0, class biases log(5 / nc / (640 / stride)^2); the DFL projection 0..reg_max-1.
  void initialise(const Context& ctx);

 private:
  struct Branch {
    std::unique_ptr<ConvBlock> box_a, box_b, cls_a, cls_b;
    std::unique_ptr<Conv2dLayer> box_out, cls_out;
  };
  int nc_, reg_max_;
  std::vector<Branch> branches_;
  Parameter* dfl_;  // fixed (1, 1, 1, reg_max): 0, 1, ..., reg_max - 1
  std::vector<float> strides_;
  double dfl_flops_ = 0.0;
};

}  // namespace yolo
