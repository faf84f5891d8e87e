#pragma once
// defines: the argument checks every op runs before it launches anything,
// so that a wrong call is a clear error and never a bad memory access.
#include <string_view>

#include "engine/core/context.h"

namespace yolo {

// `t` is defined, contiguous and on ctx's device.
void check_operand(const Context& ctx, const Tensor& t, std::string_view op, std::string_view name);
// `a` and `b` have the same shape (and dtype, if asked).
void check_same_shape(const Tensor& a, const Tensor& b, std::string_view op, bool same_dtype = true);
// check_operand, and `t` is exactly `dtype` with `shape`.
void check_tensor(const Context& ctx, const Tensor& t, std::string_view op, std::string_view name, DType dtype,
                  const Shape& shape);
// `t` is f32, f16 or bf16.
void check_float(const Tensor& t, std::string_view op, std::string_view name);

}  // namespace yolo
