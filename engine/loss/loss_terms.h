#pragma once
// defines: dfl_loss and bce_with_logits_loss: the Distribution Focal Loss
// and the classification loss of YOLOv8's detection loss, each one pass that
// writes the loss (a device scalar) and the gradient of its inputs.
// f32 tensors, contiguous, on the context's device.
#include "engine/core/context.h"

namespace yolo {

// logits (P, 4 * reg_max) of the positive anchors, target (P, 4) distances
// (ltrb, grid cells), weight (P): ultralytics' DFLoss times the anchor's
// weight, summed, times scale (1) on the device (the gain over the
// target-score sum, which never leaves the device).
// loss (1) = the scalar; grad (P, 4 * reg_max) = d loss / d logits.
void dfl_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& weight, const Tensor& scale,
              int reg_max, Tensor& loss, Tensor& grad);

// loss (1) = scale * sum_i BCEWithLogits(logits_i, target_i); grad = d loss / d logits.
void bce_with_logits_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& scale,
                          Tensor& loss, Tensor& grad);

}  // namespace yolo
