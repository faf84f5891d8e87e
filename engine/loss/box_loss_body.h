#pragma once
// defines: the bodies of BoxLossImpl<B>. Included with the backend's launcher
// (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/loss/box_loss_impl.h"
#include "kernels/box_iou.h"

namespace yolo {

template <class B>
void BoxLossImpl<B>::loss_and_grad(const Context& ctx, const Tensor& pred, const Tensor& target, const Tensor& weight,
                                   IouType type, float image_w, float image_h, Tensor& loss, Tensor& grad_pred) {
  const BoxTermParams<float> params{image_w, image_h, -1.0f};
  visit_iou_type(type, [&]<class Term>() {
    // About 64 elementwise steps per box (CIoU: two atan, its gradient): a
    // few thousand positives are worth both threads.
    Exec<B>::parallel_for(ctx, pred.dim(0),
                          BoxLossKernel<Term>{pred.data<float>(), target.data<float>(), weight.data<float>(), params,
                                              loss.data<float>(), grad_pred.data<float>()},
                          64);
  });
}

}  // namespace yolo
