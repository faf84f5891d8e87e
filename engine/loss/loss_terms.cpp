// Checks the arguments of loss_terms.h, then runs the op on the context's backend.
#include "engine/loss/loss_terms.h"

#include "engine/loss/loss_terms_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

void check_f32(const Context& ctx, const Tensor& t, std::string_view op, std::string_view name, const Shape& shape) {
  check_operand(ctx, t, op, name);
  YOLO_CHECK(t.dtype() == DType::f32 && t.shape() == shape, "{}: {} must be f32{}, got {}", op, name, shape.str(),
             t.str());
}

}  // namespace

void dfl_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& weight, const Tensor& scale,
              int reg_max, Tensor& loss, Tensor& grad) {
  constexpr std::string_view op = "dfl_loss";
  YOLO_CHECK(reg_max >= 2, "{}: reg_max must be at least 2, got {}", op, reg_max);
  YOLO_CHECK(target.ndim() == 2 && target.dim(1) == 4, "{}: target must be (P, 4), got {}", op, target.str());
  const std::int64_t P = target.dim(0);
  check_f32(ctx, target, op, "target", {P, 4});
  check_f32(ctx, logits, op, "logits", {P, 4 * reg_max});
  check_f32(ctx, weight, op, "weight", {P});
  check_f32(ctx, loss, op, "loss", {1});
  check_f32(ctx, scale, op, "scale", {1});
  check_f32(ctx, grad, op, "grad", {P, 4 * reg_max});
  dispatch_backend(ctx.device(),
                   [&]<class B>() { LossTermsImpl<B>::dfl(ctx, logits, target, weight, scale, reg_max, loss, grad); });
}

void bce_with_logits_loss(const Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& scale,
                          Tensor& loss, Tensor& grad) {
  constexpr std::string_view op = "bce_with_logits_loss";
  check_f32(ctx, logits, op, "logits", logits.shape());
  check_f32(ctx, target, op, "target", logits.shape());
  check_f32(ctx, grad, op, "grad", logits.shape());
  check_f32(ctx, loss, op, "loss", {1});
  check_f32(ctx, scale, op, "scale", {1});
  dispatch_backend(ctx.device(), [&]<class B>() { LossTermsImpl<B>::bce(ctx, logits, target, scale, loss, grad); });
}

}  // namespace yolo
