#pragma once
// defines: the bodies of ElementwiseImpl<B>. Included with the backend's
// launcher (exec_cpu.h or exec_cuda.cuh) and instantiated for that backend.
#include "engine/ops/elementwise_impl.h"
#include "kernels/elementwise.h"

namespace yolo {

template <class B>
void ElementwiseImpl<B>::fill(const Context& ctx, Tensor& out, double value) {
  visit_dtype(out.dtype(), [&]<class T>() {
    T v;
    if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(value);
    } else {
      v = convert<T>(static_cast<float>(value));
    }
    Exec<B>::parallel_for(ctx, out.numel(), FillKernel<T>{out.data<T>(), v});
  });
}

template <class B>
void ElementwiseImpl<B>::copy_cast(const Context& ctx, const Tensor& src, Tensor& dst) {
  visit_dtype(src.dtype(), [&]<class S>() {
    visit_dtype(dst.dtype(), [&]<class D>() {
      Exec<B>::parallel_for(ctx, src.numel(), CastKernel<S, D>{src.data<S>(), dst.data<D>()});
    });
  });
}

template <class B>
void ElementwiseImpl<B>::axpy(const Context& ctx, float alpha, const Tensor& x, Tensor& y) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, x.numel(), AxpyKernel<T>{alpha, x.data<T>(), y.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::scale(const Context& ctx, float alpha, const Tensor& x, Tensor& y) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, x.numel(), ScaleKernel<T>{alpha, x.data<T>(), y.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::add(const Context& ctx, const Tensor& a, const Tensor& b, Tensor& y) {
  visit_float_dtype(a.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, a.numel(), AddKernel<T>{a.data<T>(), b.data<T>(), y.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::sigmoid_forward(const Context& ctx, const Tensor& x, Tensor& y) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, x.numel(), SigmoidForwardKernel<T>{x.data<T>(), y.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::sigmoid_backward(const Context& ctx, const Tensor& y, const Tensor& dy, Tensor& dx) {
  visit_float_dtype(y.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, y.numel(), SigmoidBackwardKernel<T>{y.data<T>(), dy.data<T>(), dx.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::silu_forward(const Context& ctx, const Tensor& x, Tensor& y) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, x.numel(), SiluForwardKernel<T>{x.data<T>(), y.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::silu_backward(const Context& ctx, const Tensor& x, const Tensor& dy, Tensor& dx) {
  visit_float_dtype(x.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, x.numel(), SiluBackwardKernel<T>{x.data<T>(), dy.data<T>(), dx.data<T>()});
  });
}

template <class B>
void ElementwiseImpl<B>::fill_uniform(const Context& ctx, Tensor& out, float lo, float hi, std::uint64_t offset) {
  visit_float_dtype(out.dtype(), [&]<class T>() {
    Exec<B>::parallel_for(ctx, out.numel(), UniformKernel<T>{out.data<T>(), lo, hi, ctx.seed(), offset});
  });
}

}  // namespace yolo
