#pragma once
// defines: Activation, BatchNorm (the parameters and running statistics of
// one BatchNorm2d), BatchNormSync (the hook SyncBN plugs in), and
// batchnorm_forward_train, batchnorm_forward_eval, batchnorm_backward,
// fold_batchnorm.
//
// x, y, dy, dx are NHWC (N, H, W, C), or any (..., C), in f32, f16 or bf16 (computed in f32);
// parameters, statistics and their gradients are f32 (C). The activation is
// fused: Conv -> BN -> SiLU costs one pass over memory each way after the
// statistics.
#include "engine/core/context.h"
#include "engine/ops/activation.h"

namespace yolo {

// ultralytics' BatchNorm2d: eps 1e-3, momentum 0.03 (PyTorch convention:
// running = (1 - momentum) * running + momentum * batch).
struct BatchNorm {
  Tensor gamma, beta;                // (C) f32
  Tensor running_mean, running_var;  // (C) f32, updated in training
  float eps = 1e-3f;
  float momentum = 0.03f;
};

// Per-channel statistics leave the device in two places, so that a
// communicator can combine them across ranks (SyncBN). Without a sync the
// statistics are the local batch's. The tensors handed to the hook are
// freed (to the caching allocator) when the op returns: a hook that works on
// another stream must order that stream after the compute stream and the
// compute stream after its collective before it returns.
class BatchNormSync {
 public:
  virtual ~BatchNormSync() = default;
  // mean, m2 (C) f32 are this rank's batch mean and sum of squared deviations
  // over `count` values per channel; replace them with the global ones and
  // return the global count.
  virtual std::int64_t combine_moments(const Context& ctx, Tensor& mean, Tensor& m2, std::int64_t count) = 0;
  // sums (2, C) f32: sum dz and sum dz * xhat; replace them with their sum
  // over ranks.
  virtual void sum_gradient_sums(const Context& ctx, Tensor& sums) = 0;
};

// What backward needs from the training forward: the batch mean and 1/std
// (2, C), and the number of values per channel (global, under SyncBN).
struct BatchNormSaved {
  Tensor mean_invstd;
  std::int64_t count = 0;
};

// y = act((x - mean_B) / sqrt(var_B + eps) * gamma + beta), batch statistics;
// updates the running statistics (running_var with the unbiased variance).
BatchNormSaved batchnorm_forward_train(const Context& ctx, const Tensor& x, BatchNorm& bn, Activation act, Tensor& y,
                                       BatchNormSync* sync = nullptr);

// y = act((x - running_mean) / sqrt(running_var + eps) * gamma + beta)
void batchnorm_forward_eval(const Context& ctx, const Tensor& x, const BatchNorm& bn, Activation act, Tensor& y);

// Gradients of the training forward: dx (overwritten), and
// dgamma, dbeta = accumulate * (dgamma, dbeta) + their gradient, accumulate 0 or 1.
void batchnorm_backward(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                        const BatchNormSaved& saved, Activation act, Tensor& dx, Tensor& dgamma, Tensor& dbeta,
                        float accumulate, BatchNormSync* sync = nullptr);

// For inference: the conv (w (O, KH, KW, C/groups), optional bias b (O) of
// w's dtype)
// followed by bn in eval mode equals one conv with
//   w_folded = w * gamma / sqrt(var + eps),  b_folded = beta + (b - mean) * gamma / sqrt(var + eps).
void fold_batchnorm(const Context& ctx, const Tensor& w, const Tensor& b, const BatchNorm& bn, Tensor& w_folded,
                    Tensor& b_folded);

}  // namespace yolo
