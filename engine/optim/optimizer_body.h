#pragma once
// defines: the bodies of OptimizerImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/optim/optimizer_impl.h"

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

}  // namespace yolo
