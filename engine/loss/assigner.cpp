// Checks the arguments of assigner.h, then runs it on the context's backend.
#include "engine/loss/assigner.h"

#include "engine/loss/assigner_impl.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
TaskAlignment task_aligned_assign(const Context& ctx, const Tensor& pred_scores, const Tensor& pred_boxes,
                                  const Tensor& anchors, const Tensor& gt_boxes, const Tensor& gt_labels,
                                  const Tensor& gt_valid, const TaskAlignedAssignerOptions& options) {
  YOLO_CHECK(pred_scores.ndim() == 3 && gt_boxes.ndim() == 3,
             "task_aligned_assign: pred_scores must be (B, A, C) and gt_boxes (B, M, 4), got {} and {}",
             pred_scores.str(), gt_boxes.str());
  const std::int64_t B = pred_scores.dim(0), A = pred_scores.dim(1), C = pred_scores.dim(2), M = gt_boxes.dim(1);
  check_tensor(ctx, pred_scores, "task_aligned_assign", "pred_scores", DType::f32, {B, A, C});
  check_tensor(ctx, pred_boxes, "task_aligned_assign", "pred_boxes", DType::f32, {B, A, 4});
  check_tensor(ctx, anchors, "task_aligned_assign", "anchors", DType::f32, {A, 2});
  check_tensor(ctx, gt_boxes, "task_aligned_assign", "gt_boxes", DType::f32, {B, M, 4});
  check_tensor(ctx, gt_labels, "task_aligned_assign", "gt_labels", DType::i32, {B, M});
  check_tensor(ctx, gt_valid, "task_aligned_assign", "gt_valid", DType::u8, {B, M});
  YOLO_CHECK(options.topk >= 1 && options.topk <= A, "task_aligned_assign: topk {} for {} anchors", options.topk, A);
  TaskAlignment out{ctx.empty({B, A}, DType::u8), ctx.empty({B, A}, DType::i32), ctx.empty({B, A, 4}, DType::f32),
                    ctx.empty({B, A, C}, DType::f32)};
  if (M == 0) {  // no GT in the batch: everything is background
    fill(ctx, out.fg, 0);
    fill(ctx, out.gt_index, 0);
    fill(ctx, out.target_boxes, 0.0);
    fill(ctx, out.target_scores, 0.0);
    return out;
  }
  dispatch_backend(ctx.device(), [&]<class Backend>() {
    AssignerImpl<Backend>::assign(ctx, pred_scores, pred_boxes, anchors, gt_boxes, gt_labels, gt_valid, options, out);
  });
  return out;
}

}  // namespace yolo
