#pragma once
// defines: Primitives<B>, the portable reductions, scan, sort and top-k that
// kernels compose (loss, assigner, NMS). Pointers are on B's device; results
// are written there too, nothing is copied back to the host.
// Cpu: primitives_cpu.cpp (plain C++ on the OpenMP pool, deterministic for any
// thread count). Cuda: primitives_cuda.cu (CUB).
#include <cstdint>

#include "kernels/exec.h"

namespace yolo {

enum class SortOrder { ascending, descending };

template <class B>
struct Primitives {
  // out[0] = sum of in[0, n)
  static void sum(const Context& ctx, const float* in, std::int64_t n, float* out);
  // out[0] = max of in[0, n); -inf when n == 0
  static void max(const Context& ctx, const float* in, std::int64_t n, float* out);
  // out[s] = sum of in[offsets[s], offsets[s+1]); `offsets` has segments+1 entries
  static void segmented_sum(const Context& ctx, const float* in, const std::int64_t* offsets, std::int64_t segments,
                            float* out);
  // out[s] = max of in[offsets[s], offsets[s+1]); -inf for an empty segment
  static void segmented_max(const Context& ctx, const float* in, const std::int64_t* offsets, std::int64_t segments,
                            float* out);
  // out[i] = sum of in[0, i)   (out may alias in)
  static void exclusive_scan(const Context& ctx, const std::int32_t* in, std::int64_t n, std::int32_t* out);
  // Sorts keys and carries values along; stable (equal keys keep their order).
  static void sort_by_key(const Context& ctx, float* keys, std::int32_t* values, std::int64_t n, SortOrder order);
  // For each row of a row-major (rows, cols) matrix: its k largest values,
  // largest first, and their column indices; equal values by lower index.
  static void top_k(const Context& ctx, const float* in, std::int64_t rows, std::int64_t cols, std::int64_t k,
                    float* values, std::int32_t* indices);
};

}  // namespace yolo
