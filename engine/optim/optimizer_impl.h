#pragma once
// defines: OptimizerImpl<B>, the backend half of optimizer.h and ema.h
// (bodies in optimizer_body.h).
#include "engine/core/context.h"
#include "engine/core/tensor.h"
#include "kernels/exec.h"
#include "kernels/optimizer.h"

namespace yolo {

template <class B>
struct OptimizerImpl {
  static void sgd(const Context& ctx, std::int64_t n, const SgdKernel& k);
  static void adamw(const Context& ctx, std::int64_t n, const AdamWKernel& k);
  static void ema(const Context& ctx, std::int64_t n, const EmaKernel& k);
  // grad *= min(1, max_norm / (||grad|| + 1e-6)); norm (1) on the device = ||grad||.
  static void clip_grad_norm(const Context& ctx, float* grad, std::int64_t n, float max_norm, float* norm);
};

extern template struct OptimizerImpl<Cpu>;
extern template struct OptimizerImpl<Cuda>;

}  // namespace yolo
