#pragma once
// defines: CudaResources, the streams and library handles of a cuda Context.
// Include only from CUDA translation units.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace yolo {

struct CudaResources {
  int device = 0;
  int sm_count = 1;
  cudaStream_t compute = nullptr;  // kernels, cuDNN, cuBLAS
  cudaStream_t copy = nullptr;     // host <-> device uploads (data loader)
  cudaStream_t comm = nullptr;     // NCCL collectives
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
};

}  // namespace yolo
