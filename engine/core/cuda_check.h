#pragma once
// defines: CUDA_CHECK, CUDNN_CHECK, CUBLAS_CHECK, NCCL_CHECK: throw
// yolo::Error with file:line and the library's own message.
// Include only from CUDA translation units.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nccl.h>

#include "engine/core/error.h"

#define CUDA_CHECK(expr)                                                                                        \
  do {                                                                                                          \
    const cudaError_t yolo_status_ = (expr);                                                                    \
    if (yolo_status_ != cudaSuccess)                                                                            \
      YOLO_FAIL("{} failed: {} ({})", #expr, cudaGetErrorString(yolo_status_), cudaGetErrorName(yolo_status_)); \
  } while (0)

#define CUDNN_CHECK(expr)                                                                                        \
  do {                                                                                                           \
    const cudnnStatus_t yolo_status_ = (expr);                                                                   \
    if (yolo_status_ != CUDNN_STATUS_SUCCESS)                                                                    \
      YOLO_FAIL("{} failed: {} ({})", #expr, cudnnGetErrorString(yolo_status_), static_cast<int>(yolo_status_)); \
  } while (0)

#define CUBLAS_CHECK(expr)                                                                                         \
  do {                                                                                                             \
    const cublasStatus_t yolo_status_ = (expr);                                                                    \
    if (yolo_status_ != CUBLAS_STATUS_SUCCESS)                                                                     \
      YOLO_FAIL("{} failed: {} ({})", #expr, cublasGetStatusString(yolo_status_), static_cast<int>(yolo_status_)); \
  } while (0)

#define NCCL_CHECK(expr)                                                                                   \
  do {                                                                                                     \
    const ncclResult_t yolo_status_ = (expr);                                                              \
    if (yolo_status_ != ncclSuccess)                                                                       \
      YOLO_FAIL("{} failed: {} ({})", #expr, ncclGetErrorString(yolo_status_), ncclGetLastError(nullptr)); \
  } while (0)
