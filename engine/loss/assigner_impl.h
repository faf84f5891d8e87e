#pragma once
// defines: AssignerImpl<B>, the backend half of assigner.h (bodies in
// assigner_body.h).
#include "engine/loss/assigner.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct AssignerImpl {
  static void assign(const Context& ctx, const Tensor& pred_scores, const Tensor& pred_boxes, const Tensor& anchors,
                     const Tensor& gt_boxes, const Tensor& gt_labels, const Tensor& gt_valid,
                     const TaskAlignedAssignerOptions& options, TaskAlignment& out);
};

extern template struct AssignerImpl<Cpu>;
extern template struct AssignerImpl<Cuda>;

}  // namespace yolo
