#pragma once
// defines: batch_targets, a batch's labels as the detection loss takes
// them; head_loss, the loss of whichever head a model has.
#include <vector>

#include "engine/data/label_box.h"
#include "engine/loss/detection_loss.h"

namespace yolo {

// labels[b]: image b's boxes in its (letterboxed) pixels. Padded to the
// most boxes of any image: (B, M, 4) xyxy, (B, M) classes and validity.
DetectionTargets batch_targets(const Context& ctx, const std::vector<std::vector<PixelBox>>& labels);

// Detect's training outputs: one head's levels (the detection loss) or
// DualDDetect's two heads' (the dual loss), told apart by their count.
Tensor head_loss(const Context& ctx, const std::vector<Tensor>& outputs, const std::vector<float>& strides,
                 const DetectionTargets& targets, const DetectionLossOptions& options, std::vector<Tensor>& grads);

}  // namespace yolo
