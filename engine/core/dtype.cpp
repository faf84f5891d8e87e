#include "engine/core/dtype.h"

namespace yolo {

DType parse_dtype(std::string_view name) {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    if (dtype_name(t) == name) return t;
  }
  if (name == "fp16" || name == "half") return DType::f16;
  if (name == "fp32" || name == "float") return DType::f32;
  YOLO_FAIL("unknown dtype '{}' (expected f32, f16, bf16, u8, i32 or i64)", name);
}

}  // namespace yolo
