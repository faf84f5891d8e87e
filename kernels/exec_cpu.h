#pragma once
// defines: Exec<Cpu>::parallel_for, parallel_for_2d, parallel_for_lanes: the
// CPU launchers of portable functors.
#include <cstdint>

#include "kernels/exec.h"

namespace yolo {

template <>
struct Exec<Cpu> {
  // Below this many indices the fork/join of a parallel region costs more
  // than it saves.
  static constexpr std::int64_t kSerialBelow = 1 << 14;

  // Runs f(i) for i in [0, n) on ctx's threads. Iterations are independent by
  // contract, which is also what lets the compiler vectorise them (omp simd).
  // `cost`: the work of one i in elementwise steps, for the serial-below-this-
  // size decision (a box loss with its gradient is worth dozens).
  template <class F>
  static void parallel_for(const Context& ctx, std::int64_t n, const F& f, std::int64_t cost = 1) {
    if (n <= 0) return;
    const int threads = ctx.num_threads();
    if (threads <= 1 || n * cost < kSerialBelow) {
#pragma omp simd
      for (std::int64_t i = 0; i < n; ++i) f(i);
      return;
    }
#pragma omp parallel for simd num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) f(i);
  }

  // Runs f(r, c) for r in [0, rows), c in [0, cols): rows on ctx's threads,
  // columns as the vectorised inner loop. NHWC ops put the pixel in r and the
  // channel in c, so the inner loop reads contiguous memory and never divides.
  template <class F>
  static void parallel_for_2d(const Context& ctx, std::int64_t rows, std::int64_t cols, const F& f) {
    if (rows <= 0 || cols <= 0) return;
    const int threads = ctx.num_threads();
    if (threads <= 1 || rows * cols < kSerialBelow) {
      for (std::int64_t r = 0; r < rows; ++r) {
#pragma omp simd
        for (std::int64_t c = 0; c < cols; ++c) f(r, c);
      }
      return;
    }
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
#pragma omp simd
      for (std::int64_t c = 0; c < cols; ++c) f(r, c);
    }
  }

  // Channels per call of a lane functor: one AVX-512 register of floats.
  static constexpr int kLanes = 16;

  // Runs f.template operator()<L>(r, c0), which computes columns
  // [c0, c0 + L), over rows x cols: full blocks of kLanes columns, then the
  // remaining columns one by one (L = 1). For kernels whose per-element work
  // is itself a loop (a pooling window, a chunk of rows): written with the
  // lane loop innermost, they vectorise across channels, which g++ will not
  // do for f(r, c) around such a loop.
  // `cost` is the work of one (r, c) in elementwise steps (a chunk of rows
  // for a reduction), for the serial-below-this-size decision.
  template <class F>
  static void parallel_for_lanes(const Context& ctx, std::int64_t rows, std::int64_t cols, const F& f,
                                 std::int64_t cost = 1) {
    if (rows <= 0 || cols <= 0) return;
    const std::int64_t full = cols / kLanes * kLanes;
    auto row = [&](std::int64_t r) {
      for (std::int64_t c = 0; c < full; c += kLanes) f.template operator()<kLanes>(r, c);
      for (std::int64_t c = full; c < cols; ++c) f.template operator()<1>(r, c);
    };
    const int threads = ctx.num_threads();
    if (threads <= 1 || rows * cols * cost < kSerialBelow) {
      for (std::int64_t r = 0; r < rows; ++r) row(r);
      return;
    }
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) row(r);
  }
};

}  // namespace yolo
