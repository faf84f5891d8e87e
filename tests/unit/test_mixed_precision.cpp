// Mixed-precision training: the loss scaler's rule, and bf16 training steps
// on the CPU (the same code path as f16 on CUDA, minus the scale) against f32.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/graph/model.h"
#include "engine/graph/model_config.h"
#include "engine/optim/grad_scaler.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(GradScaler, HalvesOnOverflowAndDoublesAfterAnIntervalOfGoodSteps) {
  GradScaler scaler(true, 1024.0f, 3);
  EXPECT_EQ(scaler.scale(), 1024.0f);
  scaler.update(false);
  EXPECT_EQ(scaler.scale(), 512.0f);
  scaler.update(true), scaler.update(true);
  EXPECT_EQ(scaler.scale(), 512.0f);
  scaler.update(false);  // an overflow restarts the count
  scaler.update(true), scaler.update(true);
  EXPECT_EQ(scaler.scale(), 256.0f);
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 512.0f) << "3 good steps in a row";
  EXPECT_EQ(scaler.good_steps(), 0);
  const GradScaler off(false);
  EXPECT_EQ(off.scale(), 1.0f) << "bf16 needs no scale";
}

// A small YOLO graph with every kind of layer yolov8n has but max pooling
// (SPPF): bf16 rounds neighbouring values to equal ones, and a max pool's
// gradient then goes to another of the tied inputs than f32's. That is as
// right as f32's choice (PyTorch's bf16 does the same) but moves gradient
// between elements, so it is left out of an element-wise comparison.
constexpr const char* kGraph = R"(nc: 2
backbone:
  - [-1, 1, Conv, [16, 3, 2]]
  - [-1, 1, Conv, [32, 3, 2]]
  - [-1, 2, C2f, [32, True]]
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, C2f, [64, True]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 2], 1, Concat, [1]]
  - [-1, 1, C2f, [32]]
  - [[7, 4], 1, Detect, [nc]]
)";

// The master gradients of a training forward and backward, given the same
// output gradients (random, not the loss's: the loss assigns anchors from
// the predictions, and bf16's perturbation of them changes that discrete
// choice, which is not what is checked here).
std::vector<float> gradients_of_a_step(DType half) {
  const Context ctx(Device::cpu(), ContextOptions{1, 0});
  Model model(ctx, parse_model_config(kGraph, "graph.yaml", 0));
  if (half != DType::f32) model.set_half_precision(ctx, half, /*in_training=*/true);
  const Tensors outputs = model.forward(ctx, test::random_uniform(ctx, {2, 128, 96, 3}, 31, 0, 1));
  Tensors grads;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].dtype(), DType::f32) << "outputs come back in f32 for the loss";
    grads.push_back(test::random_uniform(ctx, outputs[i].shape(), 40 + static_cast<std::uint32_t>(i), -1, 1));
  }
  model.backward(ctx, grads);
  EXPECT_EQ(model.store().grads().dtype(), DType::f32) << "master gradients stay f32";
  return test::host_floats(ctx, model.store().grads());
}

TEST(MixedPrecision, Bfloat16GradientsFollowFloat32Gradients) {
  const std::vector<float> full = gradients_of_a_step(DType::f32);
  const std::vector<float> mixed = gradients_of_a_step(DType::bf16);
  // bf16 keeps 8 bits of mantissa (~0.4% per rounding), and the graph's ~25
  // layers round forward and backward: 4% measured. The gradient as a whole
  // must follow f32's: a wrong layer, scale or accumulation would show here
  // as an error of order 1.
  double dot = 0, nf = 0, nm = 0, diff = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    dot += static_cast<double>(full[i]) * mixed[i];
    nf += static_cast<double>(full[i]) * full[i], nm += static_cast<double>(mixed[i]) * mixed[i];
    diff += (static_cast<double>(full[i]) - mixed[i]) * (static_cast<double>(full[i]) - mixed[i]);
  }
  const double cosine = dot / std::sqrt(nf * nm), relative = std::sqrt(diff / nf);
  EXPECT_GT(cosine, 0.998) << "relative L2 error " << relative;
  EXPECT_LT(relative, 0.06) << "cosine " << cosine;
}

}  // namespace
}  // namespace yolo
