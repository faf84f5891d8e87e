#pragma once
// defines: BoxLossImpl<B>, the backend half of box_loss.h (bodies in
// box_loss_body.h), and visit_iou_type, which maps an IouType to its term in
// kernels/box_iou.h.
#include "engine/loss/box_loss.h"
#include "kernels/box_iou.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct BoxLossImpl {
  // loss (P), grad_pred (P, 4): see box_loss
  static void loss_and_grad(const Context& ctx, const Tensor& pred, const Tensor& target, const Tensor& weight,
                            IouType type, float image_w, float image_h, Tensor& loss, Tensor& grad_pred);
};

extern template struct BoxLossImpl<Cpu>;
extern template struct BoxLossImpl<Cuda>;

// Calls f.template operator()<Term>() with the term functor of `type`.
template <class F>
void visit_iou_type(IouType type, F&& f) {
  switch (type) {
    case IouType::iou:
      f.template operator()<IouTerm>();
      return;
    case IouType::giou:
      f.template operator()<GiouTerm>();
      return;
    case IouType::diou:
      f.template operator()<DiouTerm>();
      return;
    case IouType::ciou:
      f.template operator()<CiouTerm>();
      return;
    case IouType::mpdiou:
      f.template operator()<MpdiouTerm>();
      return;
  }
  YOLO_FAIL("unknown IoU type {}", static_cast<int>(type));
}

}  // namespace yolo
