#pragma once
// defines: the bodies of OptimizerImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/optim/optimizer_impl.h"
#include "kernels/primitives.h"

namespace yolo {

template <class B>
void OptimizerImpl<B>::sgd(const Context& ctx, std::int64_t n, const SgdKernel& k) {
  Exec<B>::parallel_for(ctx, n, k);
}

template <class B>
void OptimizerImpl<B>::adamw(const Context& ctx, std::int64_t n, const AdamWKernel& k) {
  Exec<B>::parallel_for(ctx, n, k);
}

template <class B>
void OptimizerImpl<B>::ema(const Context& ctx, std::int64_t n, const EmaKernel& k) {
  Exec<B>::parallel_for(ctx, n, k);
}

template <class B>
void OptimizerImpl<B>::clip_grad_norm(const Context& ctx, float* grad, std::int64_t n, float max_norm, float* norm) {
  Tensor squares = ctx.empty({n}, DType::f32);
  Exec<B>::parallel_for(ctx, n, SquareKernel{grad, squares.data<float>()});
  Tensor sum = ctx.empty({1}, DType::f32);
  Primitives<B>::sum(ctx, squares.data<float>(), n, sum.data<float>());
  Exec<B>::parallel_for(ctx, n, ClipByNormKernel{grad, sum.data<float>(), max_norm});
  Exec<B>::parallel_for(ctx, 1, SquareRootKernel{sum.data<float>(), norm});
}

}  // namespace yolo
