#pragma once
// defines: AConv and ADown, YOLOv9's stride-2 downsampling blocks. Both
// first smooth with a 2x2 stride-1 average pool (zero padding none).
//   AConv: y = Conv3x3 s2(avgpool(x))
//   ADown: a, b = halves of avgpool(x); y = concat(Conv3x3 s2(a), Conv1x1(maxpool3x3 s2 p1(b)))
#include "engine/graph/modules/conv_block.h"
#include "engine/ops/pool.h"

namespace yolo {

class AConv : public UnaryModule {
 public:
  AConv(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2);
  std::string_view type() const override { return "AConv"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;

 private:
  ConvBlock cv1_;
  Shape input_shape_;
};

class ADown : public UnaryModule {
 public:
  ADown(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2);
  std::string_view type() const override { return "ADown"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;

 private:
  std::int64_t c_;
  ConvBlock cv1_, cv2_;
  Shape input_shape_, half_shape_;
  Tensor argmax_;
};

}  // namespace yolo
