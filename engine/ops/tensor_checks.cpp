#include "engine/ops/tensor_checks.h"

namespace yolo {

void check_operand(const Context& ctx, const Tensor& t, std::string_view op, std::string_view name) {
  YOLO_CHECK(t.defined(), "{}: {} is undefined", op, name);
  YOLO_CHECK(t.device() == ctx.device(), "{}: {} is on {}, the context on {}", op, name, t.device().str(),
             ctx.device().str());
  YOLO_CHECK(t.is_contiguous(), "{}: {} must be contiguous, got strides {} for {}", op, name, t.strides().str(),
             t.str());
}

void check_same_shape(const Tensor& a, const Tensor& b, std::string_view op, bool same_dtype) {
  YOLO_CHECK(a.shape() == b.shape(), "{}: shapes differ: {} vs {}", op, a.str(), b.str());
  YOLO_CHECK(!same_dtype || a.dtype() == b.dtype(), "{}: dtypes differ: {} vs {}", op, a.str(), b.str());
}

void check_tensor(const Context& ctx, const Tensor& t, std::string_view op, std::string_view name, DType dtype,
                  const Shape& shape) {
  check_operand(ctx, t, op, name);
  YOLO_CHECK(t.dtype() == dtype && t.shape() == shape, "{}: {} must be {}{}, got {}", op, name, dtype_name(dtype),
             shape.str(), t.str());
}

void check_float(const Tensor& t, std::string_view op, std::string_view name) {
  const DType d = t.dtype();
  YOLO_CHECK(d == DType::f32 || d == DType::f16 || d == DType::bf16, "{}: {} must be f32, f16 or bf16, got {}", op,
             name, t.str());
}

}  // namespace yolo
