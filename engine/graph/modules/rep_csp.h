#pragma once
// defines: RepCsp, YOLOv9's RepCSP / RepNCSP: ultralytics' C3 block whose n
// bottlenecks are RepBottlenecks (3x3 RepConvN then 3x3 Conv, residual):
// y = cv3(concat(m(cv1(x)), cv2(x))), hidden width c2 * e.
#include <memory>
#include <vector>

#include "engine/graph/modules/bottleneck.h"

namespace yolo {

class RepCsp : public UnaryModule {
 public:
  RepCsp(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int n,
         bool shortcut = true, int groups = 1, double e = 0.5);

  std::string_view type() const override { return "RepCSP"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;
  int torch_module_count() const override { return Module::torch_module_count() + 1; }  // + Sequential m

 private:
  std::int64_t c_;
  ConvBlock cv1_, cv2_, cv3_;
  std::vector<std::unique_ptr<Bottleneck>> m_;
};

}  // namespace yolo
