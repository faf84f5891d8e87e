// Checks the arguments of loss_terms.h, then runs the op on the context's backend.
#include "engine/loss/loss_terms.h"

#include "engine/loss/loss_terms_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
void dfl_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& weight, const Tensor& scale,
              int reg_max, Tensor& loss, Tensor& grad) {
  constexpr std::string_view op = "dfl_loss";
  YOLO_CHECK(reg_max >= 2, "{}: reg_max must be at least 2, got {}", op, reg_max);
  YOLO_CHECK(target.ndim() == 2 && target.dim(1) == 4, "{}: target must be (P, 4), got {}", op, target.str());
  const std::int64_t P = target.dim(0);
  check_tensor(ctx, target, op, "target", DType::f32, {P, 4});
  check_tensor(ctx, logits, op, "logits", DType::f32, {P, 4 * reg_max});
  check_tensor(ctx, weight, op, "weight", DType::f32, {P});
  check_tensor(ctx, loss, op, "loss", DType::f32, {1});
  check_tensor(ctx, scale, op, "scale", DType::f32, {1});
  check_tensor(ctx, grad, op, "grad", DType::f32, {P, 4 * reg_max});
  dispatch_backend(ctx.device(),
                   [&]<class B>() { LossTermsImpl<B>::dfl(ctx, logits, target, weight, scale, reg_max, loss, grad); });
}

void bce_with_logits_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& scale,
                          Tensor& loss, Tensor& grad) {
  constexpr std::string_view op = "bce_with_logits_loss";
  check_tensor(ctx, logits, op, "logits", DType::f32, logits.shape());
  check_tensor(ctx, target, op, "target", DType::f32, logits.shape());
  check_tensor(ctx, grad, op, "grad", DType::f32, logits.shape());
  check_tensor(ctx, loss, op, "loss", DType::f32, {1});
  check_tensor(ctx, scale, op, "scale", DType::f32, {1});
  dispatch_backend(ctx.device(), [&]<class B>() { LossTermsImpl<B>::bce(ctx, logits, target, scale, loss, grad); });
}

}  // namespace yolo
