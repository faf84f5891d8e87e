#pragma once
// defines: ElementwiseImpl<B>, the backend half of the elementwise ops.
// Declarations only: the bodies (elementwise_body.h) are compiled once per
// backend, by g++ in elementwise_cpu.cpp and by nvcc in elementwise_cuda.cu.
// Inputs are validated by elementwise.cpp before they get here.
#include "kernels/exec.h"

namespace yolo {

template <class B>
struct ElementwiseImpl {
  static void fill(const Context& ctx, Tensor& out, double value);
  static void copy_cast(const Context& ctx, const Tensor& src, Tensor& dst);
  static void axpy(const Context& ctx, float alpha, const Tensor& x, Tensor& y);
  static void scale(const Context& ctx, float alpha, const Tensor& x, Tensor& y);
  static void add(const Context& ctx, const Tensor& a, const Tensor& b, Tensor& y);
  static void sigmoid_forward(const Context& ctx, const Tensor& x, Tensor& y);
  static void sigmoid_backward(const Context& ctx, const Tensor& y, const Tensor& dy, Tensor& dx);
  static void silu_forward(const Context& ctx, const Tensor& x, Tensor& y);
  static void silu_backward(const Context& ctx, const Tensor& x, const Tensor& dy, Tensor& dx);
  static void fill_uniform(const Context& ctx, Tensor& out, float lo, float hi, std::uint64_t offset);
};

extern template struct ElementwiseImpl<Cpu>;
extern template struct ElementwiseImpl<Cuda>;

}  // namespace yolo
