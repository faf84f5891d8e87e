// Primitives<Cuda>: CUB device-wide algorithms on the context's compute
// stream, temporary storage from the context's caching allocator.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_reduce.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <cub/device/device_segmented_reduce.cuh>
#include <cuda/functional>

#include <climits>
#include <cmath>

#include "engine/core/hd.h"
#include "kernels/exec_cuda.cuh"
#include "kernels/primitives.h"

namespace yolo {
namespace {

// Runs a CUB algorithm twice, as CUB wants: once to size its scratch, once for real.
template <class Algorithm>
void run_cub(const Context& ctx, Algorithm&& algorithm) {
  std::size_t bytes = 0;
  CUDA_CHECK(algorithm(nullptr, bytes, ctx.cuda().compute));
  Tensor scratch = ctx.empty({static_cast<std::int64_t>(bytes > 0 ? bytes : 1)}, DType::u8);
  CUDA_CHECK(algorithm(scratch.raw_data(), bytes, ctx.cuda().compute));
}

// values[i] = i mod cols   (column index of each element of a row-major matrix)
struct ColumnIndexKernel {
  std::int32_t* values;
  std::int64_t cols;
  YOLO_HD void operator()(std::int64_t i) const { values[i] = static_cast<std::int32_t>(i % cols); }
};

// offsets[r] = r * cols
struct RowOffsetKernel {
  int* offsets;
  std::int64_t cols;
  YOLO_HD void operator()(std::int64_t r) const { offsets[r] = static_cast<int>(r * cols); }
};

// values[r, j] = sorted[r, j] for j < k: the first k of each sorted row
struct TakeFirstKKernel {
  const float* sorted_keys;
  const std::int32_t* sorted_indices;
  std::int64_t cols, k;
  float* values;
  std::int32_t* indices;
  YOLO_HD void operator()(std::int64_t i) const {
    const std::int64_t source = i / k * cols + i % k;
    values[i] = sorted_keys[source];
    indices[i] = sorted_indices[source];
  }
};

}  // namespace

template <>
void Primitives<Cuda>::sum(const Context& ctx, const float* in, std::int64_t n, float* out) {
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceReduce::Sum(tmp, bytes, in, out, n, s);
  });
}

template <>
void Primitives<Cuda>::max(const Context& ctx, const float* in, std::int64_t n, float* out) {
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceReduce::Reduce(tmp, bytes, in, out, n, cuda::maximum<float>{}, -INFINITY, s);
  });
}

template <>
void Primitives<Cuda>::segmented_sum(const Context& ctx, const float* in, const std::int64_t* offsets,
                                     std::int64_t segments, float* out) {
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceSegmentedReduce::Sum(tmp, bytes, in, out, segments, offsets, offsets + 1, s);
  });
}

template <>
void Primitives<Cuda>::segmented_max(const Context& ctx, const float* in, const std::int64_t* offsets,
                                     std::int64_t segments, float* out) {
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceSegmentedReduce::Reduce(tmp, bytes, in, out, segments, offsets, offsets + 1,
                                              cuda::maximum<float>{}, -INFINITY, s);
  });
}

template <>
void Primitives<Cuda>::exclusive_scan(const Context& ctx, const std::int32_t* in, std::int64_t n,
                                      std::int32_t* out) {
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceScan::ExclusiveSum(tmp, bytes, in, out, n, s);
  });
}

template <>
void Primitives<Cuda>::sort_by_key(const Context& ctx, float* keys, std::int32_t* values, std::int64_t n,
                                   SortOrder order) {
  if (n == 0) return;
  Tensor keys_out = ctx.empty({n}, DType::f32);
  Tensor values_out = ctx.empty({n}, DType::i32);
  float* ko = keys_out.data<float>();
  std::int32_t* vo = values_out.data<std::int32_t>();
  // CUB's radix sort is stable, and treats -0.0 and +0.0 as equal, like std::stable_sort.
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return order == SortOrder::descending
               ? cub::DeviceRadixSort::SortPairsDescending(tmp, bytes, keys, ko, values, vo, n, 0, 32, s)
               : cub::DeviceRadixSort::SortPairs(tmp, bytes, keys, ko, values, vo, n, 0, 32, s);
  });
  const cudaStream_t s = ctx.cuda().compute;
  CUDA_CHECK(cudaMemcpyAsync(keys, ko, static_cast<std::size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice, s));
  CUDA_CHECK(cudaMemcpyAsync(values, vo, static_cast<std::size_t>(n) * sizeof(std::int32_t), cudaMemcpyDeviceToDevice,
                             s));
}

template <>
void Primitives<Cuda>::top_k(const Context& ctx, const float* in, std::int64_t rows, std::int64_t cols,
                             std::int64_t k, float* values, std::int32_t* indices) {
  YOLO_CHECK(k >= 0 && k <= cols, "top_k: k = {} for rows of {} columns", k, cols);
  YOLO_CHECK(rows * cols < INT_MAX, "top_k: {} x {} elements exceed CUB's segmented sort limit", rows, cols);
  if (rows == 0 || k == 0) return;
  // Sort every row descending (stable: equal values keep column order), keep the first k.
  const std::int64_t n = rows * cols;
  Tensor column = ctx.empty({n}, DType::i32);
  Tensor offsets = ctx.empty({rows + 1}, DType::i32);
  Tensor sorted_keys = ctx.empty({n}, DType::f32);
  Tensor sorted_columns = ctx.empty({n}, DType::i32);
  Exec<Cuda>::parallel_for(ctx, n, ColumnIndexKernel{column.data<std::int32_t>(), cols});
  Exec<Cuda>::parallel_for(ctx, rows + 1, RowOffsetKernel{offsets.data<std::int32_t>(), cols});
  const int* begin = offsets.data<std::int32_t>();
  run_cub(ctx, [&](void* tmp, std::size_t& bytes, cudaStream_t s) {
    return cub::DeviceSegmentedRadixSort::SortPairsDescending(
        tmp, bytes, in, sorted_keys.data<float>(), column.data<std::int32_t>(), sorted_columns.data<std::int32_t>(),
        static_cast<int>(n), static_cast<int>(rows), begin, begin + 1, 0, 32, s);
  });
  Exec<Cuda>::parallel_for(ctx, rows * k,
                           TakeFirstKKernel{sorted_keys.data<float>(), sorted_columns.data<std::int32_t>(), cols, k,
                                            values, indices});
}

}  // namespace yolo
