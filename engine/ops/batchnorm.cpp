// Checks the arguments of batchnorm.h and sequences the backend steps, with
// the SyncBN hook between the local reductions and their use.
#include "engine/ops/batchnorm.h"

#include "engine/ops/batchnorm_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

void check_channel_vector(const Context& ctx, const Tensor& t, std::int64_t channels, std::string_view op,
                          std::string_view name) {
  check_operand(ctx, t, op, name);
  YOLO_CHECK(t.ndim() == 1 && t.dim(0) == channels && t.dtype() == DType::f32, "{}: {} must be f32[{}], got {}", op,
             name, channels, t.str());
}

void check_batchnorm(const Context& ctx, const Tensor& x, const BatchNorm& bn, std::string_view op) {
  check_operand(ctx, x, op, "x");
  check_float(x, op, "x");
  YOLO_CHECK(x.ndim() >= 2 && x.dim(-1) > 0 && x.numel() > 0, "{}: x must be a non-empty (..., C), got {}", op,
             x.str());
  const std::int64_t C = x.dim(-1);
  check_channel_vector(ctx, bn.gamma, C, op, "gamma");
  check_channel_vector(ctx, bn.beta, C, op, "beta");
  check_channel_vector(ctx, bn.running_mean, C, op, "running_mean");
  check_channel_vector(ctx, bn.running_var, C, op, "running_var");
  YOLO_CHECK(bn.eps > 0.0f && bn.momentum >= 0.0f && bn.momentum <= 1.0f, "{}: bad eps {} or momentum {}", op, bn.eps,
             bn.momentum);
}

}  // namespace

BatchNormSaved batchnorm_forward_train(const Context& ctx, const Tensor& x, BatchNorm& bn, Activation act, Tensor& y,
                                       BatchNormSync* sync) {
  check_batchnorm(ctx, x, bn, "batchnorm_forward_train");
  check_operand(ctx, y, "batchnorm_forward_train", "y");
  check_same_shape(x, y, "batchnorm_forward_train");
  const std::int64_t C = x.dim(-1);
  BatchNormSaved saved{ctx.empty({2, C}, DType::f32), x.numel() / C};
  YOLO_CHECK(saved.count > 0, "batchnorm_forward_train: empty batch {}", x.str());
  Tensor mean = ctx.empty({C}, DType::f32), m2 = ctx.empty({C}, DType::f32),
         scale_shift = ctx.empty({2, C}, DType::f32);
  dispatch_backend(ctx.device(), [&]<class B>() {
    BatchNormImpl<B>::moments(ctx, x, mean, m2);
    if (sync != nullptr) saved.count = sync->combine_moments(ctx, mean, m2, saved.count);
    BatchNormImpl<B>::train_coefficients(ctx, mean, m2, saved.count, bn, saved.mean_invstd, scale_shift);
    BatchNormImpl<B>::apply(ctx, x, scale_shift, act, y);
  });
  return saved;
}

void batchnorm_forward_eval(const Context& ctx, const Tensor& x, const BatchNorm& bn, Activation act, Tensor& y) {
  check_batchnorm(ctx, x, bn, "batchnorm_forward_eval");
  check_operand(ctx, y, "batchnorm_forward_eval", "y");
  check_same_shape(x, y, "batchnorm_forward_eval");
  Tensor scale_shift = ctx.empty({2, x.dim(-1)}, DType::f32);
  dispatch_backend(ctx.device(), [&]<class B>() {
    BatchNormImpl<B>::eval_coefficients(ctx, bn, scale_shift);
    BatchNormImpl<B>::apply(ctx, x, scale_shift, act, y);
  });
}

void batchnorm_backward(const Context& ctx, const Tensor& x, const Tensor& dy, const BatchNorm& bn,
                        const BatchNormSaved& saved, Activation act, Tensor& dx, Tensor& dgamma, Tensor& dbeta,
                        float accumulate, BatchNormSync* sync) {
  constexpr std::string_view op = "batchnorm_backward";
  check_batchnorm(ctx, x, bn, op);
  check_operand(ctx, dy, op, "dy");
  check_operand(ctx, dx, op, "dx");
  check_same_shape(x, dy, op);
  check_same_shape(x, dx, op);
  const std::int64_t C = x.dim(-1);
  check_channel_vector(ctx, dgamma, C, op, "dgamma");
  check_channel_vector(ctx, dbeta, C, op, "dbeta");
  check_operand(ctx, saved.mean_invstd, op, "saved.mean_invstd");
  YOLO_CHECK(saved.mean_invstd.shape() == Shape({2, C}) && saved.count > 0,
             "{}: saved statistics {} (count {}) do not belong to x {}", op, saved.mean_invstd.str(), saved.count,
             x.str());
  YOLO_CHECK(sync != nullptr || saved.count == x.numel() / C,
             "{}: saved statistics over {} values per channel, x {} has {}", op, saved.count, x.str(), x.numel() / C);
  YOLO_CHECK(accumulate == 0.0f || accumulate == 1.0f, "{}: accumulate must be 0 or 1, got {}", op, accumulate);
  // The sums pass may leave dz = dy * act'(z) in dx for the last pass to
  // read back: dx must not be x, which that pass reads too.
  YOLO_CHECK(dx.raw_data() != x.raw_data(), "{}: dx must not share x's memory", op);
  Tensor sums = ctx.empty({2, C}, DType::f32);
  dispatch_backend(ctx.device(), [&]<class B>() {
    const bool dz_in_dx = BatchNormImpl<B>::gradient_sums(ctx, x, dy, bn, saved.mean_invstd, act, sums, dx);
    // gamma and beta get this rank's share (the data-parallel reducer
    // averages parameter gradients over ranks, as with PyTorch's SyncBN);
    // the input gradient needs the sums over the global batch.
    BatchNormImpl<B>::param_grads(ctx, sums, accumulate, dgamma, dbeta);
    if (sync != nullptr) sync->sum_gradient_sums(ctx, sums);
    BatchNormImpl<B>::backward_data(ctx, x, dz_in_dx ? dx : dy, bn, saved.mean_invstd, sums, saved.count,
                                    dz_in_dx ? Activation::identity : act, dx);
  });
}

void fold_batchnorm(const Context& ctx, const Tensor& w, const Tensor& b, const BatchNorm& bn, Tensor& w_folded,
                    Tensor& b_folded) {
  constexpr std::string_view op = "fold_batchnorm";
  check_operand(ctx, w, op, "w");
  check_float(w, op, "w");
  YOLO_CHECK(w.ndim() == 4, "{}: w must be (O, KH, KW, C/groups), got {}", op, w.str());
  const std::int64_t O = w.dim(0);
  for (const Tensor* t : {&bn.gamma, &bn.beta, &bn.running_mean, &bn.running_var})
    check_channel_vector(ctx, *t, O, op, "a batchnorm vector");
  check_operand(ctx, w_folded, op, "w_folded");
  check_same_shape(w, w_folded, op);
  check_operand(ctx, b_folded, op, "b_folded");
  YOLO_CHECK(b_folded.shape() == Shape({O}) && b_folded.dtype() == w.dtype(), "{}: b_folded must be {}[{}], got {}", op,
             dtype_name(w.dtype()), O, b_folded.str());
  if (b.defined()) {
    check_operand(ctx, b, op, "b");
    check_same_shape(b, b_folded, op);
  }
  dispatch_backend(ctx.device(), [&]<class B>() { BatchNormImpl<B>::fold(ctx, w, b, bn, w_folded, b_folded); });
}

}  // namespace yolo
