#pragma once
// defines: the body of AssignerImpl<B>. Included with the backend's launcher
// (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/loss/assigner_impl.h"
#include "kernels/assigner.h"
#include "kernels/primitives.h"

namespace yolo {

template <class B>
void AssignerImpl<B>::assign(const Context& ctx, const Tensor& pred_scores, const Tensor& pred_boxes,
                             const Tensor& anchors, const Tensor& gt_boxes, const Tensor& gt_labels,
                             const Tensor& gt_valid, const TaskAlignedAssignerOptions& o, TaskAlignment& out) {
  const TalShape s{
      pred_scores.dim(0), gt_boxes.dim(1),       pred_scores.dim(1), pred_scores.dim(2), o.topk, o.alpha, o.beta, o.eps,
      o.min_side,         o.resolve_over_all_gts};
  const std::int64_t rows = s.batch * s.max_gt;
  Tensor inside = ctx.empty({rows, s.anchors}, DType::u8), candidate = ctx.zeros({rows, s.anchors}, DType::u8);
  Tensor overlaps = ctx.empty({rows, s.anchors}, DType::f32), metrics = ctx.empty({rows, s.anchors}, DType::f32);
  Exec<B>::parallel_for_2d(
      ctx, rows, s.anchors,
      TalMetricsKernel{pred_scores.data<float>(), pred_boxes.data<float>(), anchors.data<float>(),
                       gt_boxes.data<float>(), gt_labels.data<std::int32_t>(), gt_valid.data<std::uint8_t>(), s,
                       inside.data<std::uint8_t>(), overlaps.data<float>(), metrics.data<float>()});
  // The k best anchors of every GT (equal metrics: the lower anchor index first).
  Tensor top_values = ctx.empty({rows, s.topk}, DType::f32), top_index = ctx.empty({rows, s.topk}, DType::i32);
  Primitives<B>::top_k(ctx, metrics.data<float>(), rows, s.anchors, s.topk, top_values.data<float>(),
                       top_index.data<std::int32_t>());
  Exec<B>::parallel_for_2d(ctx, rows, s.topk,
                           TalTopkMaskKernel{top_index.data<std::int32_t>(), gt_valid.data<std::uint8_t>(),
                                             inside.data<std::uint8_t>(), s, candidate.data<std::uint8_t>()});
  Exec<B>::parallel_for_2d(
      ctx, s.batch, s.anchors,
      TalResolveKernel{pred_scores.data<float>(), pred_boxes.data<float>(), gt_boxes.data<float>(),
                       gt_labels.data<std::int32_t>(), gt_valid.data<std::uint8_t>(), inside.data<std::uint8_t>(), s,
                       overlaps.data<float>(), candidate.data<std::uint8_t>(), metrics.data<float>(),
                       out.fg.data<std::uint8_t>(), out.gt_index.data<std::int32_t>()});
  Tensor max_metric = ctx.empty({rows}, DType::f32), max_overlap = ctx.empty({rows}, DType::f32);
  Exec<B>::parallel_for_lanes(
      ctx, rows, 1,
      TalNormaliserKernel{candidate.data<std::uint8_t>(), overlaps.data<float>(), metrics.data<float>(), s,
                          max_metric.data<float>(), max_overlap.data<float>()},
      s.anchors);
  Exec<B>::parallel_for_2d(
      ctx, s.batch, s.anchors,
      TalTargetsKernel{candidate.data<std::uint8_t>(), metrics.data<float>(), max_metric.data<float>(),
                       max_overlap.data<float>(), out.fg.data<std::uint8_t>(), out.gt_index.data<std::int32_t>(),
                       gt_boxes.data<float>(), gt_labels.data<std::int32_t>(), s, out.target_boxes.data<float>(),
                       out.target_scores.data<float>()});
}

}  // namespace yolo
