#pragma once
// defines: PoolImpl<B>, the backend half of pool.h (bodies in pool_body.h).
#include "engine/ops/pool.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct PoolImpl {
  static void max_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y, Tensor& argmax);
  static void max_backward(const Context& ctx, const Tensor& dy, const Tensor& argmax, const Pool2dGeometry& g,
                           Tensor& dx);
  static void avg_forward(const Context& ctx, const Tensor& x, const Pool2dGeometry& g, Tensor& y);
  static void avg_backward(const Context& ctx, const Tensor& dy, const Pool2dGeometry& g, Tensor& dx);
};

extern template struct PoolImpl<Cpu>;
extern template struct PoolImpl<Cuda>;

}  // namespace yolo
