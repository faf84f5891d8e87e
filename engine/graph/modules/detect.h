#pragma once
// defines: Detect, the anchor-free detection heads of YOLOv8 and YOLOv9.
// Per pyramid level i (input channels ch[i]) a head has
//   box  Conv(ch, c2, 3) -> Conv(c2, c2, 3, groups g) -> Conv2d(c2, 4*reg_max, 1, groups g)
//   cls  Conv(ch, c3, 3) -> Conv(c3, c3, 3) -> Conv2d(c3, nc, 1)
// and a fixed DFL projection 0..reg_max-1. The styles differ in widths and groups:
//   Detect (ultralytics): c2 = max(16, ch0/4, 4*reg_max), c3 = max(ch0, min(nc, 100)), g = 1
//   DDetect (YOLOv9 repo): c2 = ceil4(max(ch0/4, 4*reg_max, 16)), c3 = max(ch0, min(2nc, 128)), g = 4
//   DualDDetect: two DDetect heads; the first half of the inputs feeds the
//   auxiliary one (cv2/cv3, dfl; training only), the second half the main
//   one (cv4/cv5, dfl2).
// Training output: per head and level (B, H, W, 4*reg_max + nc), box logits
// then class logits; auxiliary levels first. Eval output: the main head's
// (B, anchors, 4 + nc), boxes (cx, cy, w, h) in pixels and class scores.
#include <memory>
#include <vector>

#include "engine/graph/modules/conv_block.h"

namespace yolo {

enum class DetectStyle { ultralytics, ddetect, dual_ddetect };

class Detect : public Module {
 public:
  Detect(ParameterStore& store, const std::string& prefix, int nc, const std::vector<std::int64_t>& ch,
         DetectStyle style = DetectStyle::ultralytics, int reg_max = 16);

  std::string_view type() const override;
  Tensors forward(const Context& ctx, const Tensors& inputs) override;
  Tensors backward(const Context& ctx, const Tensors& grad_outputs) override;
  // The branches (and in eval mode the DFL convs, which thop counts).
  double last_flops() const override { return Module::last_flops() + dfl_flops_; }
  int torch_layer_count() const override { return Module::torch_layer_count() + static_cast<int>(heads_.size()); }
  // + per head: box and class ModuleLists, a Sequential per level and branch, DFL and its conv.
  int torch_module_count() const override {
    return Module::torch_module_count() + static_cast<int>(heads_.size()) * (2 + 2 * levels_ + 2);
  }

  int nc() const { return nc_; }
  int reg_max() const { return reg_max_; }
  int levels() const { return levels_; }
  // Input pixels per grid cell of each level, known once the model is built.
  void set_strides(std::vector<float> strides) { strides_ = std::move(strides); }
  const std::vector<float>& strides() const { return strides_; }
  // Eval mode returns, after the decoded boxes, the training outputs too
  // (as ultralytics' eval Detect returns (y, x)): for validation losses.
  void set_eval_levels(bool keep) { eval_levels_ = keep; }
  // bias_init of ultralytics and the YOLOv9 repo, after the weights are
  // initialised: box biases 1.0, class biases log(5 / nc / (640 / stride)^2);
  // the DFL projections 0..reg_max-1.
  void initialise(const Context& ctx);

 private:
  struct Branch {
    std::unique_ptr<ConvBlock> box_a, box_b, cls_a, cls_b;
    std::unique_ptr<Conv2dLayer> box_out, cls_out;
  };
  struct Head {
    std::vector<Branch> branches;  // one per level
    Parameter* dfl = nullptr;      // (1, 1, 1, reg_max)
  };
  Head make_head(ParameterStore& store, const std::string& prefix, const std::string& box_name,
                 const std::string& cls_name, const std::string& dfl_name, const std::vector<std::int64_t>& ch);
  Tensor run_level(const Context& ctx, Branch& b, const Tensor& x);
  Tensor run_level_backward(const Context& ctx, Branch& b, const Tensor& d);

  int nc_, reg_max_, levels_;
  DetectStyle style_;
  std::vector<Head> heads_;  // the auxiliary head first, the main head last
  std::vector<float> strides_;
  double dfl_flops_ = 0.0;
  bool eval_levels_ = false;
};

}  // namespace yolo
