#pragma once
// defines: YOLO_HD, which marks a function callable on the host and on a CUDA
// device. Kernel functors use it so that one body serves both backends.
#if defined(__CUDACC__)
#define YOLO_HD __host__ __device__ __forceinline__
#else
#define YOLO_HD inline
#endif
