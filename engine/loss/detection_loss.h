#pragma once
// defines: DetectionLossOptions, DetectionTargets, detection_loss: YOLOv8's
// detection loss (ultralytics' v8DetectionLoss) on the device: the
// Task-Aligned Assigner, the IoU-family box loss, DFL and BCE, with the
// gradient of the total w.r.t. the Detect head's raw outputs.
#include <vector>

#include "engine/core/context.h"
#include "engine/loss/assigner.h"
#include "engine/loss/box_loss.h"

namespace yolo {

struct DetectionLossOptions {
  float box_gain = 7.5f, cls_gain = 0.5f, dfl_gain = 1.5f;  // hyp box, cls, dfl
  IouType iou = IouType::ciou;  // hyp iou_type; the assigner always uses CIoU, as ultralytics'
  int reg_max = 16;
  TaskAlignedAssignerOptions assigner;  // min_side: see raise_small_boxes
  // ultralytics 8.4 raises GT sides below the middle stride to it for the
  // anchor-inside test; the YOLOv9 repository's assigner does not (false).
  bool raise_small_boxes = true;
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
