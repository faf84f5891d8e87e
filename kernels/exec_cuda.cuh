#pragma once
// defines: Exec<Cuda>::parallel_for, parallel_for_2d, parallel_for_lanes: the
// CUDA launchers of portable functors.
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

// f.template operator()<1>(r, c) over rows x cols: a lane functor one channel per thread
template <class F>
struct OneLane {
  F f;
  __device__ void operator()(std::int64_t r, std::int64_t c) const { f.template operator()<1>(r, c); }
};
}  // namespace detail

template <>
struct Exec<Cuda> {
  static constexpr int kBlockSize = 256;
  static constexpr int kBlocksPerSm = 32;  // enough resident blocks to hide latency

  // `cost` is the CPU launcher's serial-or-parallel hint; every index gets a thread here.
  template <class F>
  static void parallel_for(const Context& ctx, std::int64_t n, const F& f, std::int64_t /*cost*/ = 1) {
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

  // A lane functor (see Exec<Cpu>::parallel_for_lanes) with one lane per
  // thread: consecutive threads take consecutive channels, coalesced.
  template <class F>
  static void parallel_for_lanes(const Context& ctx, std::int64_t rows, std::int64_t cols, const F& f,
                                 std::int64_t /*cost: one thread per (r, c) regardless*/ = 1) {
    parallel_for_2d(ctx, rows, cols, detail::OneLane<F>{f});
  }
};

}  // namespace yolo
