#pragma once
// defines: Exec<Cuda>::parallel_for, the CUDA launcher of portable functors.
#include <algorithm>
#include <cstdint>

#include "engine/core/cuda_check.h"
#include "engine/core/cuda_resources.h"
#include "kernels/exec.h"

namespace yolo {
namespace detail {
// for i = global thread id; i < n; i += total threads: f(i)
template <class F>
__global__ void grid_stride_kernel(std::int64_t n, F f) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

// the same over a rows x cols space: f(i / cols, i % cols)
template <class F>
__global__ void grid_stride_kernel_2d(std::int64_t rows, std::int64_t cols, F f) {
  const std::int64_t n = rows * cols;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const std::int64_t r = i / cols;
    f(r, i - r * cols);
  }
}
}  // namespace detail

template <>
struct Exec<Cuda> {
  static constexpr int kBlockSize = 256;
  static constexpr int kBlocksPerSm = 32;  // enough resident blocks to hide latency

  template <class F>
  static void parallel_for(const Context& ctx, std::int64_t n, const F& f) {
    if (n <= 0) return;
    const CudaResources& r = ctx.cuda();
    const std::int64_t wanted = (n + kBlockSize - 1) / kBlockSize;
    const int blocks = static_cast<int>(std::min<std::int64_t>(wanted, std::int64_t{r.sm_count} * kBlocksPerSm));
    detail::grid_stride_kernel<<<blocks, kBlockSize, 0, r.compute>>>(n, f);
    CUDA_CHECK(cudaGetLastError());
  }

  // f(r, c) over rows x cols; consecutive threads take consecutive c, so
  // NHWC ops (c = channel) read coalesced memory.
  template <class F>
  static void parallel_for_2d(const Context& ctx, std::int64_t rows, std::int64_t cols, const F& f) {
    if (rows <= 0 || cols <= 0) return;
    const CudaResources& r = ctx.cuda();
    const std::int64_t wanted = (rows * cols + kBlockSize - 1) / kBlockSize;
    const int blocks = static_cast<int>(std::min<std::int64_t>(wanted, std::int64_t{r.sm_count} * kBlocksPerSm));
    detail::grid_stride_kernel_2d<<<blocks, kBlockSize, 0, r.compute>>>(rows, cols, f);
    CUDA_CHECK(cudaGetLastError());
  }
};

}  // namespace yolo
