#pragma once
// defines: the bodies of PoolImpl<B>. Included with the backend's launcher.
#include "engine/ops/pool_impl.h"
#include "kernels/pool.h"

namespace yolo {
namespace detail {
inline PoolShape pool_shape(const Tensor& in, const Tensor& out, const Pool2dGeometry& g) {
  return {in.dim(0), in.dim(1), in.dim(2), in.dim(3), out.dim(1), out.dim(2), g.kernel, g.stride, g.padding};
}
}  // namespace detail

template <class B>
void PoolImpl<B>::max_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y, Tensor& argmax) {
  const PoolShape s = detail::pool_shape(x, y, g);
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, s.n * s.oh * s.ow, s.c,
                                MaxPoolForwardKernel<T>{x.data<T>(), s, y.data<T>(), argmax.data<std::int32_t>()});
  });
}

template <class B>
void PoolImpl<B>::max_backward(const Context& ctx, const Tensor& dy, const Tensor& argmax, const Pool2dGeometry& g,
                               Tensor& dx) {
  const PoolShape s = detail::pool_shape(dx, dy, g);
  visit_float_dtype(dy.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, s.n * s.h * s.w, s.c,
                                MaxPoolBackwardKernel<T>{dy.data<T>(), argmax.data<std::int32_t>(), s, dx.data<T>()});
  });
}

template <class B>
void PoolImpl<B>::avg_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y) {
  const PoolShape s = detail::pool_shape(x, y, g);
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, s.n * s.oh * s.ow, s.c, AvgPoolForwardKernel<T>{x.data<T>(), s, y.data<T>()});
  });
}

template <class B>
void PoolImpl<B>::avg_backward(const Context& ctx, const Tensor& dy, const Pool2dGeometry& g, Tensor& dx) {
  const PoolShape s = detail::pool_shape(dx, dy, g);
  visit_float_dtype(dy.dtype(), [&]<class T>() {
    Exec<B>::parallel_for_lanes(ctx, s.n * s.h * s.w, s.c, AvgPoolBackwardKernel<T>{dy.data<T>(), s, dx.data<T>()});
  });
}

}  // namespace yolo
