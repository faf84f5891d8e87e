#pragma once
// defines: dfl_decode, the inference half of YOLOv8's Distribution Focal
// Loss head: box side distances as expectations over reg_max bins.
#include "engine/core/context.h"

namespace yolo {

// x (R, 4 * reg_max) logits, side-major (ltrb); out (R, 4):
// out[r, s] = sum_i i * softmax(x[r, s*reg_max : (s+1)*reg_max])_i
void dfl_decode(const Context& ctx, const Tensor& x, int reg_max, Tensor& out);

}  // namespace yolo
