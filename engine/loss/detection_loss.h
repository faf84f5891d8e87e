#pragma once
// defines: LossFlavour, DetectionLossOptions, DetectionTargets,
// detection_loss, dual_detection_loss: YOLOv8's detection loss (ultralytics'
// v8DetectionLoss) and YOLOv9's (the YOLOv9 repository's loss_tal /
// loss_tal_dual ComputeLoss) on the device: the Task-Aligned Assigner, the
// IoU-family box loss, DFL and BCE, with the gradient of the total w.r.t. the
// Detect head's raw outputs.
#include <vector>

#include "engine/core/context.h"
#include "engine/loss/assigner.h"
#include "engine/loss/box_loss.h"

namespace yolo {

// Whose loss to reproduce. The two differ only in the assigner:
//   ultralytics  ultralytics 8.4's v8DetectionLoss (its Detect models):
//                GT sides below the middle stride raised to it for the
//                anchor-inside test; multiply-claimed anchors resolved among
//                the GTs containing them
//   yolov9       the YOLOv9 repository's ComputeLoss (DDetect models via
//                train.py, DualDDetect via train_dual.py): no raise, and
//                resolved among all GTs (TaskAlignedAssignerOptions)
// Everything else (topk 10, alpha 0.5, beta 6, CIoU, DFL targets clamped to
// reg_max - 1.01, BCE and box/DFL normalised by each head's clamped
// target-score sum, gains 7.5 / 0.5 / 1.5) is the same in both.
enum class LossFlavour { ultralytics, yolov9 };

struct DetectionLossOptions {
  float box_gain = 7.5f, cls_gain = 0.5f, dfl_gain = 1.5f;  // hyp box, cls, dfl
  IouType iou = IouType::ciou;  // hyp iou_type; the assigner always uses CIoU, as ultralytics'
  int reg_max = 16;
  LossFlavour flavour = LossFlavour::ultralytics;
  TaskAlignedAssignerOptions assigner;  // min_side and resolve_over_all_gts: set from the flavour
};

// Ground truth padded to M boxes per image (M may be 0).
struct DetectionTargets {
  Tensor boxes;   // (B, M, 4) f32, xyxy in input pixels
  Tensor labels;  // (B, M) i32
  Tensor valid;   // (B, M) u8: 0 for padding rows
};

// levels: the training outputs of Detect, (B, H_i, W_i, 4 reg_max + C) for
// each stride in `strides`. Returns (4) f32 on the device: box, cls and dfl
// (gain-scaled, per image: ultralytics' loss items) and the total
// (their sum times B, ultralytics' loss). grads[i] = d total / d levels[i].
Tensor detection_loss(const Context& ctx, const std::vector<Tensor>& levels, const std::vector<float>& strides,
                      const DetectionTargets& targets, const DetectionLossOptions& options, std::vector<Tensor>& grads);

// YOLOv9's dual-head loss (the YOLOv9 repository's loss_tal_dual): the
// detection loss of the auxiliary head's levels and of the main head's, each
// with its own assignment, combined as aux_weight * auxiliary + main (box,
// cls and dfl alike). Same result layout; grads: the auxiliary levels' then
// the main levels', as DualDDetect outputs them.
Tensor dual_detection_loss(const Context& ctx, const std::vector<Tensor>& auxiliary, const std::vector<Tensor>& main,
                           const std::vector<float>& strides, const DetectionTargets& targets,
                           const DetectionLossOptions& options, std::vector<Tensor>& grads, float aux_weight = 0.25f);

}  // namespace yolo
