#pragma once
// defines: the bodies of LossTermsImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include <algorithm>

#include "engine/loss/loss_terms_impl.h"
#include "kernels/detection_loss_terms.h"
#include "kernels/primitives.h"

namespace yolo {

template <class B>
void LossTermsImpl<B>::dfl(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& weight,
                           const Tensor& scale, int reg_max, Tensor& loss, Tensor& grad) {
  const std::int64_t P = target.dim(0);
  Tensor terms = ctx.empty({std::max<std::int64_t>(P * 4, 1)}, DType::f32);
  Exec<B>::parallel_for_2d(ctx, P, 4,
                           DflLossKernel<float>{logits.data<float>(), target.data<float>(), weight.data<float>(),
                                                scale.data<float>(), reg_max, terms.data<float>(), grad.data<float>()});
  Primitives<B>::sum(ctx, terms.data<float>(), P * 4, loss.data<float>());
}

template <class B>
void LossTermsImpl<B>::bce(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& scale,
                           Tensor& loss, Tensor& grad) {
  const std::int64_t n = logits.numel();
  Tensor terms = ctx.empty({std::max<std::int64_t>(n, 1)}, DType::f32);
  Exec<B>::parallel_for(ctx, n,
                        BceWithLogitsKernel<float>{logits.data<float>(), target.data<float>(), scale.data<float>(),
                                                   terms.data<float>(), grad.data<float>()});
  Primitives<B>::sum(ctx, terms.data<float>(), n, loss.data<float>());
}

}  // namespace yolo
