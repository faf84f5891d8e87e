#pragma once
// defines: Bottleneck, ultralytics' Bottleneck: y = x + cv2(cv1(x)) (the
// shortcut only when asked for and c1 == c2), hidden width c2 * e; and its
// RepBottleneck form, whose cv1 is a RepConvN.
#include <memory>

#include "engine/graph/modules/conv_block.h"

namespace yolo {

class Bottleneck : public UnaryModule {
 public:
  Bottleneck(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, bool shortcut,
             int groups, int k1, int k2, double e, bool rep_conv = false);

  std::string_view type() const override { return rep_ ? "RepBottleneck" : "Bottleneck"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;

 private:
  bool rep_;
  std::unique_ptr<UnaryModule> cv1_;
  ConvBlock cv2_;
  bool add_;
};

}  // namespace yolo
