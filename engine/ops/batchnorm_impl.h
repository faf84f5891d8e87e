#pragma once
// defines: BatchNormImpl<B>, the backend half of batchnorm.h, one launch per
// step (kernels/batchnorm.h) so that batchnorm.cpp can put the SyncBN hook
// between the local reductions and their use. Bodies in batchnorm_body.h.
#include "engine/ops/batchnorm.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct BatchNormImpl {
  // mean, m2 (C): this batch's moments of x (M, C)
  static void moments(const Context& ctx, const Tensor& x, Tensor& mean, Tensor& m2);
  // saved (2, C) = mean, invstd; scale_shift (2, C); updates bn's running statistics
  static void train_coefficients(const Context& ctx, const Tensor& mean, const Tensor& m2, std::int64_t count,
                                 BatchNorm& bn, Tensor& saved, Tensor& scale_shift);
  static void eval_coefficients(const Context& ctx, const BatchNorm& bn, Tensor& scale_shift);
  // y = act(x * scale + shift)
  static void apply(const Context& ctx, const Tensor& x, const Tensor& scale_shift, Activation act, Tensor& y);
  // sums (2, C) = sum dz, sum dz * xhat, dz = dy * act'(z). Returns whether
  // it also wrote dz into dz_out (then backward_data takes dz_out as dy, with
  // the identity activation).
  static bool gradient_sums(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                            const Tensor& saved, Activation act, Tensor& sums, Tensor& dz_out);
  static void param_grads(const Context& ctx, const Tensor& sums, float accumulate, Tensor& dgamma, Tensor& dbeta);
  // dy may be dx itself
  static void backward_data(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                            const Tensor& saved, const Tensor& sums, std::int64_t count, Activation act, Tensor& dx);
  static void fold(const Context& ctx, const Tensor& w, const Tensor& b, const BatchNorm& bn, Tensor& w_folded,
                   Tensor& b_folded);
};

extern template struct BatchNormImpl<Cpu>;
extern template struct BatchNormImpl<Cuda>;

}  // namespace yolo
