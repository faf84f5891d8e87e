#pragma once
// defines: OptimizerOptions and Optimizer, ultralytics' optimizers (SGD with
// Nesterov momentum, AdamW) over a model's flat parameter buffers in one
// fused launch per step, with its three parameter groups: weights (decayed),
// batch-norm weights and biases (not decayed), each with its own learning
// rate (the trainer's warmup treats biases differently).
#include <array>
#include <cstdint>

#include "engine/graph/parameter_store.h"

namespace yolo {

enum class OptimizerType { sgd, adamw };

struct OptimizerOptions {
  OptimizerType type = OptimizerType::sgd;
  float momentum = 0.937f;  // SGD momentum; AdamW's beta1
  float weight_decay = 5e-4f;
  bool nesterov = true;
  float beta2 = 0.999f, eps = 1e-8f;  // AdamW
};

// Learning rates of the groups: [0] decayed weights, [1] batch-norm weights, [2] biases.
using GroupLearningRates = std::array<float, 3>;

class Optimizer {
 public:
  // The store must be allocated; the optimizer keeps its state (momentum, or
  // AdamW's moments) on ctx's device, zero at the start.
  Optimizer(const Context& ctx, ParameterStore& store, OptimizerOptions options);

  // One update from the store's gradients (not zeroed here).
  void step(const Context& ctx, const GroupLearningRates& lr);

  // The warmup ramps SGD's momentum (ultralytics leaves AdamW's betas alone).
  void set_momentum(float momentum) { options_.momentum = momentum; }
  std::int64_t steps() const { return steps_; }
  const OptimizerOptions& options() const { return options_; }
  // Momentum (SGD), or the first and second moments (AdamW): for checkpoints.
  Tensor& state(int k) { return k == 0 ? first_ : second_; }
  // --resume: the step count (AdamW's bias correction); the moments are
  // restored through state().
  void restore_steps(std::int64_t steps) { steps_ = steps; }

 private:
  ParameterStore& store_;
  OptimizerOptions options_;
  Tensor group_;  // u8 per element: kGroupDecay, kGroupBnWeight, kGroupBias, kGroupFixed
  Tensor first_, second_;
  std::int64_t steps_ = 0;
};

// torch.nn.utils.clip_grad_norm_ over every gradient of the store (ultralytics
// clips at 10 before each optimizer step): scales them by
// min(1, max_norm / (||g||_2 + 1e-6)). Returns ||g||_2 before clipping, as a
// (1) tensor on ctx's device (no host round trip).
Tensor clip_grad_norm(const Context& ctx, ParameterStore& store, float max_norm);

}  // namespace yolo
