#pragma once
// defines: LossTermsImpl<B>, the backend half of loss_terms.h (bodies in
// loss_terms_body.h).
#include "engine/loss/loss_terms.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct LossTermsImpl {
  static void dfl(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& weight,
                  const Tensor& scale, int reg_max, Tensor& loss, Tensor& grad);
  static void bce(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& scale, Tensor& loss,
                  Tensor& grad);
};

extern template struct LossTermsImpl<Cpu>;
extern template struct LossTermsImpl<Cuda>;

}  // namespace yolo
