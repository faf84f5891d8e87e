#pragma once
// defines: LayoutImpl<B>, the backend half of the ops that move data
// without arithmetic beyond sums: upsample.h, channels.h, dfl.h (bodies in
// layout_body.h). One strided copy serves concat and split.
#include "engine/ops/channels.h"
#include "engine/ops/dfl.h"
#include "engine/ops/upsample.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct LayoutImpl {
  static void upsample_forward(const Context& ctx, const Tensor& x, int factor, Tensor& y);
  static void upsample_backward(const Context& ctx, const Tensor& dy, int factor, Tensor& dx);
  // dst[r, dst_offset + c] = src[r, src_offset + c], c < width, r over the rows of both
  static void copy_channels(const Context& ctx, const Tensor& src, std::int64_t src_offset, Tensor& dst,
                            std::int64_t dst_offset, std::int64_t width);
  static void dfl_decode(const Context& ctx, const Tensor& x, int reg_max, Tensor& out);
  static void detect_decode(const Context& ctx, const Tensor& x, float stride, int reg_max, std::int64_t anchor_offset,
                            Tensor& out);
};

extern template struct LayoutImpl<Cpu>;
extern template struct LayoutImpl<Cuda>;

}  // namespace yolo
