#pragma once
// defines: YOLO_HD, which marks a function callable on the host and on a CUDA
// device. Kernel functors use it so that one body serves both backends.
#if defined(__CUDACC__)
#define YOLO_HD __host__ __device__ __forceinline__
#else
#define YOLO_HD inline
#endif

// YOLO_LANE_LOOP before the lane loop of a lane functor (a loop over a
// compile-time number of channels, Exec::parallel_for_lanes): asks the CPU
// compiler to vectorise it; nothing on the device, where L = 1.
// YOLO_LANE_REDUCE_AND(v): the same for a lane loop that ands into v.
#define YOLO_PRAGMA(text) _Pragma(#text)
#if defined(__CUDA_ARCH__) || !defined(_OPENMP)
#define YOLO_LANE_LOOP
#define YOLO_LANE_REDUCE_AND(v)
#else
#define YOLO_LANE_LOOP _Pragma("omp simd")
#define YOLO_LANE_REDUCE_AND(v) YOLO_PRAGMA(omp simd reduction(& : v))
#endif

// YOLO_ALWAYS_INLINE on small math helpers called from functors: g++ treats
// a call it did not inline as control flow and then will not vectorise the
// loop around it (nvcc's __forceinline__ already does this on the device).
#if defined(__CUDACC__)
#define YOLO_ALWAYS_INLINE
#else
#define YOLO_ALWAYS_INLINE __attribute__((always_inline))
#endif

// YOLO_RESTRICT on pointer parameters that never alias: lets g++ vectorise a
// loop that reads some and writes others (gcc and nvcc spell it alike).
#define YOLO_RESTRICT __restrict__

// YOLO_NOINLINE_HOST: keep a host function out of line where inlining it
// costs the vectoriser its analysis (see its call site); nothing on the device.
#if defined(__CUDA_ARCH__)
#define YOLO_NOINLINE_HOST
#else
#define YOLO_NOINLINE_HOST __attribute__((noinline))
#endif
