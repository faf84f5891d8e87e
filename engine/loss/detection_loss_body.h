#pragma once
// defines: the bodies of DetectionLossImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/loss/detection_loss_impl.h"
#include "kernels/detection_loss.h"
#include "kernels/elementwise.h"
#include "kernels/primitives.h"

namespace yolo {

template <class B>
void DetectionLossImpl<B>::gather(const Context& ctx, const Tensor& level, const HeadLevel& l, Tensor& dist,
                                  Tensor& cls) {
  Exec<B>::parallel_for_2d(ctx, l.batch * l.cells, l.dist_channels + l.classes,
                           HeadGatherKernel{level.data<float>(), l, dist.data<float>(), cls.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::scatter(const Context& ctx, const Tensor& ddist, const Tensor& dcls, const HeadLevel& l,
                                   Tensor& dx) {
  Exec<B>::parallel_for_2d(ctx, l.batch * l.cells, l.dist_channels + l.classes,
                           HeadScatterKernel{ddist.data<float>(), dcls.data<float>(), l, dx.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::decode(const Context& ctx, const Tensor& dist, const Tensor& anchors, const Tensor& strides,
                                  int reg_max, Tensor& box, Tensor& box_px) {
  Exec<B>::parallel_for(ctx, box.dim(0),
                        DistDecodeKernel{dist.data<float>(), anchors.data<float>(), strides.data<float>(),
                                         anchors.dim(0), reg_max, box.data<float>(), box_px.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::sigmoid(const Context& ctx, const Tensor& logits, Tensor& probs) {
  Exec<B>::parallel_for(ctx, logits.numel(), SigmoidForwardKernel<float>{logits.data<float>(), probs.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::prepare_targets(const Context& ctx, const Tensor& fg, const Tensor& target_scores,
                                           const Tensor& target_px, const Tensor& anchors, const Tensor& strides,
                                           int reg_max, Tensor& weight, Tensor& target_box, Tensor& target_ltrb) {
  Exec<B>::parallel_for(
      ctx, weight.numel(),
      TargetPrepKernel{fg.data<std::uint8_t>(), target_scores.data<float>(), target_px.data<float>(),
                       anchors.data<float>(), strides.data<float>(), anchors.dim(0), target_scores.dim(-1), reg_max,
                       weight.data<float>(), target_box.data<float>(), target_ltrb.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::sum(const Context& ctx, const Tensor& values, Tensor& out) {
  Primitives<B>::sum(ctx, values.data<float>(), values.numel(), out.data<float>());
}

template <class B>
void DetectionLossImpl<B>::scales(const Context& ctx, const Tensor& score_sum, const DetectionLossOptions& o,
                                  float batch, Tensor& scales) {
  Exec<B>::parallel_for(
      ctx, 1,
      LossScalesKernel{score_sum.data<float>(), o.box_gain, o.cls_gain, o.dfl_gain, batch, scales.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::chain(const Context& ctx, const Tensor& dist, const Tensor& g_box, const Tensor& scale,
                                 const Tensor* strides, int reg_max, Tensor& ddist) {
  Exec<B>::parallel_for_2d(ctx, g_box.dim(0), 4,
                           BoxChainKernel{dist.data<float>(), g_box.data<float>(), scale.data<float>(),
                                          strides != nullptr ? strides->data<float>() : nullptr,
                                          strides != nullptr ? strides->dim(0) : 1, reg_max, ddist.data<float>()});
}

template <class B>
void DetectionLossImpl<B>::components(const Context& ctx, const Tensor& box_sum, const Tensor& cls_xb,
                                      const Tensor& dfl_xb, const Tensor& scales, float batch, Tensor& out) {
  Exec<B>::parallel_for(ctx, 1,
                        LossComponentsKernel{box_sum.data<float>(), cls_xb.data<float>(), dfl_xb.data<float>(),
                                             scales.data<float>(), batch, out.data<float>()});
}

}  // namespace yolo
