#pragma once
// defines: IouType, parse_iou_type, iou_type_name, and box_loss: the IoU
// part of YOLOv8's box loss (ultralytics' BboxLoss) over the positive anchors,
// one fused pass that writes each anchor's loss and its gradient w.r.t. the
// predicted box. The terms and their gradients are in kernels/box_iou.h.
#include <string_view>

#include "engine/core/context.h"

namespace yolo {

// iou, giou, diou, ciou: ultralytics' bbox_iou (ciou is v8DetectionLoss's);
// mpdiou: MPDIoU (Ma & Xu 2023), which also needs the input image size.
enum class IouType { iou, giou, diou, ciou, mpdiou };

// "iou", "giou", "diou", "ciou" or "mpdiou" (any letter case, so "CIoU" too);
// anything else is an error that names the choices.
IouType parse_iou_type(std::string_view name);
// the lower-case name parse_iou_type reads
std::string_view iou_type_name(IouType type);

// For each positive anchor i (pred, target (P, 4) f32 xyxy, weight (P) f32,
// the anchor's target-score sum):
//   loss[i] = (1 - term(pred[i], target[i])) * weight[i]          loss (P) f32
//   grad_pred[i, :] = d loss[i] / d pred[i, :]                    grad_pred (P, 4) f32
// with torch autograd's subgradients at ties and clamps (kernels/box_iou.h).
// image_w, image_h: the input image's size in the boxes' units, used by
// mpdiou only (must be > 0 then). P = 0 is allowed and does nothing.
void box_loss(const Context& ctx, const Tensor& pred, const Tensor& target, const Tensor& weight, IouType type,
              float image_w, float image_h, Tensor& loss, Tensor& grad_pred);

}  // namespace yolo
