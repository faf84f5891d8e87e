#pragma once
// defines: DetectionLossImpl<B>, the launches of kernels/detection_loss.h
// for detection_loss.cpp (bodies in detection_loss_body.h).
#include "engine/loss/detection_loss.h"
#include "kernels/exec.h"

namespace yolo {

struct HeadLevel;

template <class B>
struct DetectionLossImpl {
  static void gather(const Context& ctx, const Tensor& level, const HeadLevel& l, Tensor& dist, Tensor& cls);
  static void scatter(const Context& ctx, const Tensor& ddist, const Tensor& dcls, const HeadLevel& l, Tensor& dx);
  static void decode(const Context& ctx, const Tensor& dist, const Tensor& anchors, const Tensor& strides, int reg_max,
                     Tensor& box, Tensor& box_px);
  static void sigmoid(const Context& ctx, const Tensor& logits, Tensor& probs);
  static void prepare_targets(const Context& ctx, const Tensor& fg, const Tensor& target_scores,
                              const Tensor& target_px, const Tensor& anchors, const Tensor& strides, int reg_max,
                              Tensor& weight, Tensor& target_box, Tensor& target_ltrb);
  static void sum(const Context& ctx, const Tensor& values, Tensor& out);
  static void scales(const Context& ctx, const Tensor& score_sum, const DetectionLossOptions& o, float batch,
                     Tensor& scales);
  static void chain(const Context& ctx, const Tensor& dist, const Tensor& g_box, const Tensor& scale,
                    const Tensor* strides, int reg_max, Tensor& ddist);
  static void components(const Context& ctx, const Tensor& box_sum, const Tensor& cls_xb, const Tensor& dfl_xb,
                         const Tensor& scales, float batch, Tensor& out);
};

extern template struct DetectionLossImpl<Cpu>;
extern template struct DetectionLossImpl<Cuda>;

}  // namespace yolo
