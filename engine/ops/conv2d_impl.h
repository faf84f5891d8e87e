#pragma once
// defines: Conv2dImpl<B>, the backend half of conv2d.h: oneDNN on cpu
// (conv2d_cpu.cpp), cuDNN on cuda (conv2d_cuda.cu). Arguments arrive checked
// by conv2d.cpp: shapes consistent, dtypes supported, tensors contiguous and
// on the context's device, b / db possibly undefined. Each backend defines
// the members as explicit specializations, declared here so that every
// translation unit that calls them knows they exist.
#include "engine/ops/conv2d.h"
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct Conv2dImpl {
  static void forward(const Context& ctx, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dGeometry& g,
                      Tensor& y, Activation act);
  static void backward_data(const Context& ctx, const Tensor& dy, const Tensor& w, const Conv2dGeometry& g, Tensor& dx);
  static void backward_weights(const Context& ctx, const Tensor& x, const Tensor& dy, const Conv2dGeometry& g,
                               Tensor& dw, Tensor& db, float accumulate);
};

#define YOLO_DECLARE_CONV2D_IMPL(B)                                                                                  \
  template <>                                                                                                        \
  void Conv2dImpl<B>::forward(const Context&, const Tensor&, const Tensor&, const Tensor&, const Conv2dGeometry&,    \
                              Tensor&, Activation);                                                                  \
  template <>                                                                                                        \
  void Conv2dImpl<B>::backward_data(const Context&, const Tensor&, const Tensor&, const Conv2dGeometry&, Tensor&);   \
  template <>                                                                                                        \
  void Conv2dImpl<B>::backward_weights(const Context&, const Tensor&, const Tensor&, const Conv2dGeometry&, Tensor&, \
                                       Tensor&, float);
YOLO_DECLARE_CONV2D_IMPL(Cpu)
YOLO_DECLARE_CONV2D_IMPL(Cuda)
#undef YOLO_DECLARE_CONV2D_IMPL

}  // namespace yolo
