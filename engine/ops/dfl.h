#pragma once
// defines: dfl_decode, the inference half of YOLOv8's Distribution Focal
// Loss head: box side distances as expectations over reg_max bins; and
// detect_decode, the whole inference output of one Detect level.
#include "engine/core/context.h"

namespace yolo {

// x (R, 4 * reg_max) logits, side-major (ltrb); out (R, 4):
// out[r, s] = sum_i i * softmax(x[r, s*reg_max : (s+1)*reg_max])_i
void dfl_decode(const Context& ctx, const Tensor& x, int reg_max, Tensor& out);

// x (B, H, W, 4*reg_max + nc): one level of Detect's raw output. Writes its
// anchors' rows [anchor_offset, anchor_offset + H*W) of out (B, A, 4 + nc):
// (cx, cy, w, h) in input pixels (anchor centres at (w + 0.5, h + 0.5) * stride)
// and sigmoid class scores, as ultralytics' Detect returns in eval mode.
void detect_decode(const Context& ctx, const Tensor& x, float stride, int reg_max, std::int64_t anchor_offset,
                   Tensor& out);

}  // namespace yolo
