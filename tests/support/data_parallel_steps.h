#pragma once
// defines: Step, make_step, backward_half, sgd_step: the training steps the
// data-parallel tests replay on one process and on two ranks.
#include <cstdint>

#include "engine/graph/model.h"
#include "engine/loss/detection_loss.h"
#include "engine/optim/optimizer.h"

namespace yolo::test {

// A batch of four 64 px images in two halves: images 2r, 2r + 1 and the
// boxes of half r are rank r's.
struct Step {
  Tensor images;  // (4, 64, 64, 3)
  DetectionTargets halves[2];
};

// Random images and one box per image, on ctx's device, drawn from seed.
Step make_step(const Context& ctx, std::uint32_t seed);

// Forward and backward of one half; the loss gradient times `factor`.
void backward_half(const Context& ctx, Model& model, const Step& step, int half, float factor,
                   const GradReadyHook& hook);

// The optimizer step of the trainer: clip at 10, SGD at lr 0.01, zero grads.
void sgd_step(const Context& ctx, Model& model, Optimizer& optimizer);

}  // namespace yolo::test
