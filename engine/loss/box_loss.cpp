// Checks the arguments of box_loss.h, then runs the op on the context's backend.
#include "engine/loss/box_loss.h"

#include <cctype>
#include <cmath>
#include <string>

#include "engine/loss/box_loss_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

constexpr IouType kIouTypes[] = {IouType::iou, IouType::giou, IouType::diou, IouType::ciou, IouType::mpdiou};

}  // namespace

std::string_view iou_type_name(IouType type) {
  switch (type) {
    case IouType::iou:
      return "iou";
    case IouType::giou:
      return "giou";
    case IouType::diou:
      return "diou";
    case IouType::ciou:
      return "ciou";
    case IouType::mpdiou:
      return "mpdiou";
  }
  YOLO_FAIL("unknown IoU type {}", static_cast<int>(type));
}

IouType parse_iou_type(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (IouType t : kIouTypes) {
    if (iou_type_name(t) == lower) return t;
  }
  YOLO_FAIL("unknown IoU type '{}' (expected iou, giou, diou, ciou or mpdiou)", name);
}

void box_loss(const Context& ctx, const Tensor& pred, const Tensor& target, const Tensor& weight, IouType type,
              float image_w, float image_h, Tensor& loss, Tensor& grad_pred) {
  constexpr std::string_view op = "box_loss";
  check_operand(ctx, pred, op, "pred");
  YOLO_CHECK(pred.ndim() == 2 && pred.dim(1) == 4, "{}: pred must be (P, 4) xyxy, got {}", op, pred.str());
  const std::int64_t P = pred.dim(0);
  check_tensor(ctx, pred, op, "pred", DType::f32, {P, 4});
  check_tensor(ctx, target, op, "target", DType::f32, {P, 4});
  check_tensor(ctx, weight, op, "weight", DType::f32, {P});
  check_tensor(ctx, loss, op, "loss", DType::f32, {P});
  check_tensor(ctx, grad_pred, op, "grad_pred", DType::f32, {P, 4});
  YOLO_CHECK(
      type != IouType::mpdiou || (std::isfinite(image_w) && std::isfinite(image_h) && image_w > 0.0f && image_h > 0.0f),
      "{}: mpdiou needs the image size, got {} x {}", op, image_w, image_h);
  dispatch_backend(ctx.device(), [&]<class B>() {
    BoxLossImpl<B>::loss_and_grad(ctx, pred, target, weight, type, image_w, image_h, loss, grad_pred);
  });
}

}  // namespace yolo
