#pragma once
// defines: C2f, ultralytics' C2f (CSP bottleneck with 2 convolutions):
// cv1 to 2c channels, split in halves a, b; b_1 = m_1(b), ..., b_n = m_n(b_{n-1});
// y = cv2(concat(a, b, b_1, ..., b_n)), c = c2 * e.
#include <memory>
#include <vector>

#include "engine/graph/modules/bottleneck.h"

namespace yolo {

class C2f : public UnaryModule {
 public:
  C2f(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, int n, bool shortcut,
      int groups, double e);

  std::string_view type() const override { return "C2f"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;
  int torch_module_count() const override { return Module::torch_module_count() + 1; }  // + ModuleList m

 private:
  std::int64_t c_;
  ConvBlock cv1_;
  ConvBlock cv2_;
  std::vector<std::unique_ptr<Bottleneck>> m_;
};

}  // namespace yolo
