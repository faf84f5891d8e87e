#pragma once
// defines: TaskAlignedAssigner settings and task_aligned_assign: the
// positive anchors of YOLOv8's loss and their targets, as ultralytics 8.4's
// TaskAlignedAssigner (v8DetectionLoss: topk 10, alpha 0.5, beta 6.0,
// eps 1e-9; GT sides below the middle stride raised to it for the
// anchor-inside test), or as the YOLOv9 repository's (utils/tal/assigner.py:
// the same but min_side 0 and resolve_over_all_gts), all on the device.
#include "engine/core/context.h"

namespace yolo {

struct TaskAlignedAssignerOptions {
  int topk = 10;
  float alpha = 0.5f;
  float beta = 6.0f;
  float eps = 1e-9f;
  // GT sides below it are raised to it for the anchor-inside test:
  // ultralytics' stride_val, the middle level's stride; 0: no raise (YOLOv9).
  float min_side = 16.0f;
  // An anchor that several GTs select goes to the GT of highest CIoU with its
  // predicted box. false (ultralytics 8.4): among the GTs containing the
  // anchor (the others count 0). true (YOLOv9): among all of the image's GTs,
  // which may give it to a GT that does not contain it.
  bool resolve_over_all_gts = false;
};

struct TaskAlignment {
  Tensor fg;             // (B, A) u8: positive anchors
  Tensor gt_index;       // (B, A) i32: the assigned GT (0 for background)
  Tensor target_boxes;   // (B, A, 4) f32 xyxy pixels (GT 0's box for background)
  Tensor target_scores;  // (B, A, C) f32: the normalised alignment at the GT's class, 0 elsewhere
};

// pred_scores (B, A, C) probabilities (sigmoid of the class logits),
// pred_boxes (B, A, 4) xyxy pixels, anchors (A, 2) pixels (cell centres x stride),
// gt_boxes (B, M, 4) xyxy pixels, gt_labels (B, M) i32, gt_valid (B, M) u8
// (padding rows 0). M = 0 gives all background.
TaskAlignment task_aligned_assign(const Context& ctx, const Tensor& pred_scores, const Tensor& pred_boxes,
                                  const Tensor& anchors, const Tensor& gt_boxes, const Tensor& gt_labels,
                                  const Tensor& gt_valid, const TaskAlignedAssignerOptions& options = {});

}  // namespace yolo
