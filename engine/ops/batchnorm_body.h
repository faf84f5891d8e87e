#pragma once
// defines: the bodies of BatchNormImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include <type_traits>

#include "engine/ops/batchnorm_impl.h"
#include "kernels/batchnorm.h"

namespace yolo {
namespace detail {

// Calls f.template operator()<Act>() with the functor type of `act`.
template <class F>
void visit_activation(Activation act, F&& f) {
  switch (act) {
    case Activation::identity:
      f.template operator()<ActIdentity>();
      return;
    case Activation::silu:
      f.template operator()<ActSilu>();
      return;
  }
  YOLO_FAIL("unknown activation {}", static_cast<int>(act));
}

inline std::int64_t rows_of(const Tensor& x) { return x.numel() / x.dim(-1); }

}  // namespace detail

template <class B>
void BatchNormImpl<B>::moments(const Context& ctx, const Tensor& x, Tensor& mean, Tensor& m2) {
  const BnChunking chunking(detail::rows_of(x), x.dim(-1));
  Tensor partials = ctx.empty({2, chunking.chunks, chunking.channels}, DType::f32);
  float* partial_mean = partials.data<float>();
  float* partial_m2 = partial_mean + chunking.chunks * chunking.channels;
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, chunking.chunks, chunking.channels,
                                BnPartialMomentsKernel<T>{x.data<T>(), chunking, partial_mean, partial_m2},
                                chunking.rows_per_chunk);
  });
  Exec<B>::parallel_for(
      ctx, chunking.channels,
      BnCombineMomentsKernel{partial_mean, partial_m2, chunking, mean.data<float>(), m2.data<float>()});
}

template <class B>
void BatchNormImpl<B>::train_coefficients(const Context& ctx, const Tensor& mean, const Tensor& m2, std::int64_t count,
                                          BatchNorm& bn, Tensor& saved, Tensor& scale_shift) {
  const std::int64_t C = mean.numel();
  float* s = saved.data<float>();
  float* k = scale_shift.data<float>();
  Exec<B>::parallel_for(
      ctx, C,
      BnTrainCoefficientsKernel{mean.data<float>(), m2.data<float>(), static_cast<double>(count),
                                bn.gamma.data<float>(), bn.beta.data<float>(), bn.eps, bn.momentum,
                                bn.running_mean.data<float>(), bn.running_var.data<float>(), s, s + C, k, k + C});
}

template <class B>
void BatchNormImpl<B>::eval_coefficients(const Context& ctx, const BatchNorm& bn, Tensor& scale_shift) {
  const std::int64_t C = bn.gamma.numel();
  float* k = scale_shift.data<float>();
  Exec<B>::parallel_for(
      ctx, C,
      BnEvalCoefficientsKernel{bn.gamma.data<float>(), bn.beta.data<float>(), bn.running_mean.data<float>(),
                               bn.running_var.data<float>(), bn.eps, k, k + C});
}

template <class B>
void BatchNormImpl<B>::apply(const Context& ctx, const Tensor& x, const Tensor& scale_shift, Activation act,
                             Tensor& y) {
  const std::int64_t C = x.dim(-1);
  const float* k = scale_shift.data<float>();
  visit_float_dtype(x.dtype(), [&]<class T>() {
    detail::visit_activation(act, [&]<class Act>() {
      Exec<B>::parallel_for_2d(ctx, detail::rows_of(x), C,
                               BnApplyKernel<T, Act>{x.data<T>(), k, k + C, C, y.data<T>()});
    });
  });
}

// Storing dz costs a write of the tensor and saves the second pass a sigmoid
// per element. On the CPU these passes are bound by the sigmoid's arithmetic
// (the same GB/s in and out of cache), so it pays: SiLU backward at
// 16x160x160x32 went from 13.3 to 11.1 ms. A GPU's are bound by memory
// traffic, where the extra write would cost; and a 16-bit dz would round
// what the sums saw unrounded. So: the CPU, f32, an activation other than
// identity.
template <class B>
bool BatchNormImpl<B>::gradient_sums(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                                     const Tensor& saved, Activation act, Tensor& sums, Tensor& dz_out) {
  const BnChunking chunking(detail::rows_of(x), x.dim(-1));
  const std::int64_t C = chunking.channels;
  Tensor partials = ctx.empty({2, chunking.chunks, C}, DType::f32);
  float* partial_sum_dz = partials.data<float>();
  float* partial_sum_dz_xhat = partial_sum_dz + chunking.chunks * C;
  const float* s = saved.data<float>();
  bool stored = false;
  visit_float_dtype(x.dtype(), [&]<class T>() {
    detail::visit_activation(act, [&]<class Act>() {
      constexpr bool kStore =
          std::is_same_v<B, Cpu> && std::is_same_v<T, float> && !std::is_same_v<Act, ActIdentity>;
      stored = kStore;
      Exec<B>::parallel_for_lanes(
          ctx, chunking.chunks, C,
          BnPartialGradSumsKernel<T, Act, kStore>{x.data<T>(), dy.data<T>(), s, s + C, bn.gamma.data<float>(),
                                                  bn.beta.data<float>(), chunking, partial_sum_dz,
                                                  partial_sum_dz_xhat, dz_out.data<T>()},
          chunking.rows_per_chunk);
    });
  });
  Exec<B>::parallel_for(ctx, C,
                        BnCombineGradSumsKernel{partial_sum_dz, partial_sum_dz_xhat, chunking, sums.data<float>()});
  return stored;
}

template <class B>
void BatchNormImpl<B>::param_grads(const Context& ctx, const Tensor& sums, float accumulate, Tensor& dgamma,
                                   Tensor& dbeta) {
  const std::int64_t C = dgamma.numel();
  Exec<B>::parallel_for(
      ctx, C, BnParamGradKernel{sums.data<float>(), C, accumulate, dgamma.data<float>(), dbeta.data<float>()});
}

template <class B>
void BatchNormImpl<B>::backward_data(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                                     const Tensor& saved, const Tensor& sums, std::int64_t count, Activation act,
                                     Tensor& dx) {
  const std::int64_t C = x.dim(-1);
  const float* s = saved.data<float>();
  const float inv_count = static_cast<float>(1.0 / static_cast<double>(count));
  visit_float_dtype(x.dtype(), [&]<class T>() {
    detail::visit_activation(act, [&]<class Act>() {
      Exec<B>::parallel_for_2d(
          ctx, detail::rows_of(x), C,
          BnBackwardDataKernel<T, Act>{x.data<T>(), dy.data<T>(), s, s + C, bn.gamma.data<float>(),
                                       bn.beta.data<float>(), sums.data<float>(), inv_count, C, dx.data<T>()});
    });
  });
}

template <class B>
void BatchNormImpl<B>::fold(const Context& ctx, const Tensor& w, const Tensor& b, const BatchNorm& bn, Tensor& w_folded,
                            Tensor& b_folded) {
  const std::int64_t O = w.dim(0), row_length = w.numel() / O;
  visit_float_dtype(w.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_2d(
        ctx, O, row_length,
        FoldBatchNormWeightKernel<T>{w.data<T>(), bn.gamma.data<float>(), bn.running_var.data<float>(), bn.eps,
                                     row_length, w_folded.data<T>()});
    Exec<B>::parallel_for(ctx, O,
                          FoldBatchNormBiasKernel<T>{b.defined() ? b.data<T>() : nullptr, bn.gamma.data<float>(),
                                                     bn.beta.data<float>(), bn.running_mean.data<float>(),
                                                     bn.running_var.data<float>(), bn.eps, b_folded.data<T>()});
  });
}

}  // namespace yolo
