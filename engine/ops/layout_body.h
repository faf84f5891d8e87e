#pragma once
// defines: the bodies of LayoutImpl<B>. Included with the backend's launcher.
#include "engine/ops/layout_impl.h"
#include "kernels/channel_copy.h"
#include "kernels/detect_decode.h"
#include "kernels/dfl.h"
#include "kernels/resize.h"

namespace yolo {

template <class B>
void LayoutImpl<B>::upsample_forward(const Context& ctx, const Tensor& x, int factor, Tensor& y) {
  const UpsampleShape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3), factor};
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_2d(ctx, y.numel() / s.c, s.c, UpsampleNearestForwardKernel<T>{x.data<T>(), s, y.data<T>()});
  });
}

template <class B>
void LayoutImpl<B>::upsample_backward(const Context& ctx, const Tensor& dy, int factor, Tensor& dx) {
  const UpsampleShape s{dx.dim(0), dx.dim(1), dx.dim(2), dx.dim(3), factor};
  visit_float_dtype(dy.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, dx.numel() / s.c, s.c,
                                UpsampleNearestBackwardKernel<T>{dy.data<T>(), s, dx.data<T>()});
  });
}

template <class B>
void LayoutImpl<B>::copy_channels(const Context& ctx, const Tensor& src, std::int64_t src_offset, Tensor& dst,
                                  std::int64_t dst_offset, std::int64_t width) {
  const std::int64_t src_channels = src.dim(-1), dst_channels = dst.dim(-1);
  visit_float_dtype(src.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_2d(
        ctx, src.numel() / src_channels, width,
        ChannelCopyKernel<T>{src.data<T>(), src_channels, src_offset, dst.data<T>(), dst_channels, dst_offset});
  });
}

template <class B>
void LayoutImpl<B>::dfl_decode(const Context& ctx, const Tensor& x, int reg_max, Tensor& out) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_2d(ctx, out.dim(0), 4, DflDecodeKernel<T>{x.data<T>(), reg_max, out.data<T>()});
  });
}

template <class B>
void LayoutImpl<B>::detect_decode(const Context& ctx, const Tensor& x, float stride, int reg_max,
                                  std::int64_t anchor_offset, Tensor& out) {
  const int nc = static_cast<int>(x.dim(3)) - 4 * reg_max;
  const DetectLevel level{x.dim(0), x.dim(1), x.dim(2), out.dim(1), anchor_offset, stride, reg_max, nc};
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_2d(ctx, x.dim(0) * x.dim(1) * x.dim(2), 4 + nc,
                             DetectDecodeKernel<T>{x.data<T>(), level, out.data<T>()});
  });
}

}  // namespace yolo
