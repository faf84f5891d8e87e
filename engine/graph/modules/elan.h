#pragma once
// defines: Elan, YOLOv9's RepNCSPELAN4 and ELAN1: cv1 to c3 channels, split
// in halves a, b; p = cv2(b), q = cv3(p); y = cv4(concat(a, b, p, q)).
// RepNCSPELAN4: cv2 = [RepCSP(c3/2 -> c4, n), Conv 3x3], cv3 = [RepCSP(c4, n),
// Conv 3x3] (names cv2.0, cv2.1, ...); ELAN1: cv2 and cv3 are single 3x3 Convs.
#include <memory>
#include <vector>

#include "engine/graph/modules/conv_block.h"

namespace yolo {

class Elan : public UnaryModule {
 public:
  // n < 0: ELAN1; otherwise RepNCSPELAN4 with n bottlenecks per RepCSP.
  Elan(ParameterStore& store, const std::string& prefix, std::int64_t c1, std::int64_t c2, std::int64_t c3,
       std::int64_t c4, int n);

  std::string_view type() const override { return rep_ ? "RepNCSPELAN4" : "ELAN1"; }
  Tensor run(const Context& ctx, const Tensor& x) override;
  Tensor run_backward(const Context& ctx, const Tensor& dy) override;
  // RepNCSPELAN4's cv2 and cv3 are Sequentials.
  int torch_module_count() const override { return Module::torch_module_count() + (rep_ ? 2 : 0); }

 private:
  using Stage = std::vector<std::unique_ptr<UnaryModule>>;  // applied in order
  static Tensor run_stage(const Context& ctx, Stage& s, Tensor x);
  static Tensor run_stage_backward(const Context& ctx, Stage& s, Tensor dy);

  bool rep_;
  std::int64_t c3_, c4_;
  ConvBlock cv1_;
  Stage cv2_, cv3_;
  std::unique_ptr<ConvBlock> cv4_;  // made after cv2 and cv3: ultralytics' registration order
};

}  // namespace yolo
