// The CUDA runtime behind core: device discovery, streams and handles,
// device memory, copies. Uses the runtime API only: the driver library
// (libcuda) must never be linked, or binaries fail to start without a GPU.
#include "engine/core/cuda_runtime.h"

#include <fmt/core.h>
#include <nccl.h>

#include "engine/core/caching_allocator.h"
#include "engine/core/cuda_check.h"
#include "engine/core/cuda_resources.h"

namespace yolo::cuda_runtime {

DeviceQuery query_devices() {
  DeviceQuery q;
  int count = 0;
  // Without a driver this returns cudaErrorInsufficientDriver and leaves
  // `count` untouched; any error means "no usable device".
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    q.error = fmt::format("{} ({})", cudaGetErrorString(status), cudaGetErrorName(status));
    cudaGetLastError();  // clear the sticky error for later calls
    return q;
  }
  q.count = count;
  if (count == 0) q.error = "the CUDA runtime reports no device";
  return q;
}

DeviceProperties device_properties(int device) {
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return {prop.name, prop.major, prop.minor, prop.multiProcessorCount, prop.totalGlobalMem};
}

std::string library_versions() {
  int cublas_major = 0, cublas_minor = 0, cublas_patch = 0;
  cublasGetProperty(MAJOR_VERSION, &cublas_major);
  cublasGetProperty(MINOR_VERSION, &cublas_minor);
  cublasGetProperty(PATCH_LEVEL, &cublas_patch);
  const std::size_t cudnn = cudnnGetVersion();  // e.g. 91900 for 9.19.0
  int nccl = 0;
  ncclGetVersion(&nccl);  // e.g. 22809 for 2.28.9
  return fmt::format("cuDNN {}.{}.{}, cuBLAS {}.{}.{}, NCCL {}.{}.{}", cudnn / 10000, cudnn % 10000 / 100, cudnn % 100,
                     cublas_major, cublas_minor, cublas_patch, nccl / 10000, nccl % 10000 / 100, nccl % 100);
}

CudaResources* create_resources(int device) {
  auto r = std::make_unique<CudaResources>();
  r->device = device;
  CUDA_CHECK(cudaSetDevice(device));
  CUDA_CHECK(cudaDeviceGetAttribute(&r->sm_count, cudaDevAttrMultiProcessorCount, device));
  CUDA_CHECK(cudaStreamCreateWithFlags(&r->compute, cudaStreamNonBlocking));
  CUDA_CHECK(cudaStreamCreateWithFlags(&r->copy, cudaStreamNonBlocking));
  CUDA_CHECK(cudaStreamCreateWithFlags(&r->comm, cudaStreamNonBlocking));
  CUDNN_CHECK(cudnnCreate(&r->cudnn));
  CUDNN_CHECK(cudnnSetStream(r->cudnn, r->compute));
  CUBLAS_CHECK(cublasCreate(&r->cublas));
  CUBLAS_CHECK(cublasSetStream(r->cublas, r->compute));
  return r.release();
}

void destroy_resources(CudaResources* r) noexcept {
  if (r == nullptr) return;
  cudaSetDevice(r->device);
  if (r->cublas) cublasDestroy(r->cublas);
  if (r->cudnn) cudnnDestroy(r->cudnn);
  for (cudaStream_t s : {r->compute, r->copy, r->comm}) {
    if (s) cudaStreamDestroy(s);
  }
  delete r;
}

namespace {
class DeviceMemory final : public RawMemory {
 public:
  explicit DeviceMemory(int device) : device_(device) {}
  void* allocate(std::size_t bytes) override {
    CUDA_CHECK(cudaSetDevice(device_));
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, bytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // not sticky: the caller may free the cache and retry
      return nullptr;
    }
    CUDA_CHECK(status);
    return p;
  }
  void free(void* ptr) override {
    cudaSetDevice(device_);
    cudaFree(ptr);
  }

 private:
  int device_;
};
}  // namespace

std::unique_ptr<RawMemory> make_device_memory(int device) { return std::make_unique<DeviceMemory>(device); }

namespace {
class PinnedHostMemory final : public RawMemory {
 public:
  explicit PinnedHostMemory(int device) : device_(device) {}
  void* allocate(std::size_t bytes) override {
    // Called from loader threads: the device is per thread in CUDA.
    CUDA_CHECK(cudaSetDevice(device_));
    void* p = nullptr;
    // Portable: usable from any device's context in this process.
    const cudaError_t status = cudaHostAlloc(&p, bytes, cudaHostAllocPortable);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      return nullptr;
    }
    CUDA_CHECK(status);
    return p;
  }
  void free(void* ptr) override {
    cudaSetDevice(device_);
    cudaFreeHost(ptr);
  }

 private:
  int device_;
};
}  // namespace

std::unique_ptr<RawMemory> make_pinned_host_memory(int device) { return std::make_unique<PinnedHostMemory>(device); }

StreamEvent::StreamEvent(CudaResources& r) {
  CUDA_CHECK(cudaSetDevice(r.device));
  cudaEvent_t e = nullptr;
  CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  event_ = e;
  CUDA_CHECK(cudaEventRecord(e, r.compute));
}

StreamEvent::~StreamEvent() {
  if (event_ != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(event_));
}

bool StreamEvent::done() const {
  const cudaError_t status = cudaEventQuery(static_cast<cudaEvent_t>(event_));
  if (status == cudaErrorNotReady) {
    cudaGetLastError();  // not an error: still running
    return false;
  }
  CUDA_CHECK(status);
  return true;
}

void StreamEvent::wait() const { CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event_))); }

void copy_async(CudaResources& r, void* dst, const void* src, std::size_t bytes, CopyKind kind) {
  const cudaMemcpyKind k = kind == CopyKind::host_to_device   ? cudaMemcpyHostToDevice
                           : kind == CopyKind::device_to_host ? cudaMemcpyDeviceToHost
                                                              : cudaMemcpyDeviceToDevice;
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, k, r.compute));
}

void memset_async(CudaResources& r, void* dst, int value, std::size_t bytes) {
  CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, r.compute));
}

void synchronize(CudaResources& r) { CUDA_CHECK(cudaStreamSynchronize(r.compute)); }

}  // namespace yolo::cuda_runtime
