#include "engine/core/context.h"

#include <omp.h>

#include <cstring>

#include "engine/core/backends.h"
#include "engine/core/caching_allocator.h"
#include "engine/core/cpu_resources.h"
#if YOLO_WITH_CUDA
#include "engine/core/cuda_runtime.h"
#endif

namespace yolo {

Context::Context(Device device, ContextOptions options)
    : device_(device), seed_(options.seed), conv_algorithms_(options.conv_algorithms) {
  require_device(device);
  if (device.is_cpu()) {
    num_threads_ = options.num_threads > 0 ? options.num_threads : omp_get_max_threads();
    // Cached like device memory: a training step repeats its shapes, and
    // fresh large host blocks cost page faults on every touch.
    allocator_ = std::make_shared<CachingAllocator>(std::make_unique<HostMemory>(), Device::cpu());
    host_allocator_ = allocator_;
    cpu_ = std::make_unique<CpuResources>();
    return;
  }
#if YOLO_WITH_CUDA
  cuda_ = cuda_runtime::create_resources(device.index);
  allocator_ = std::make_shared<CachingAllocator>(cuda_runtime::make_device_memory(device.index), device);
  host_allocator_ = std::make_shared<CpuAllocator>();
#endif
}

Context::~Context() {
  op_cache_.clear();  // cached primitives and descriptors go before the engine and handles
#if YOLO_WITH_CUDA
  if (cuda_ != nullptr) {
    try {
      cuda_runtime::synchronize(*cuda_);
    } catch (const Error&) {
      // The device already failed; there is nothing left to wait for.
    }
    cuda_runtime::destroy_resources(cuda_);
  }
#endif
}

Tensor Context::empty(const Shape& shape, DType dtype) const { return Tensor::empty(allocator_, shape, dtype); }

Tensor Context::empty_host(const Shape& shape, DType dtype) const {
  return Tensor::empty(host_allocator_, shape, dtype);
}

Tensor Context::zeros(const Shape& shape, DType dtype) const {
  Tensor t = empty(shape, dtype);
  if (device_.is_cpu()) {
    std::memset(t.raw_data(), 0, t.nbytes());
  } else {
#if YOLO_WITH_CUDA
    cuda_runtime::memset_async(*cuda_, t.raw_data(), 0, t.nbytes());
#endif
  }
  return t;
}

void Context::synchronize() const {
#if YOLO_WITH_CUDA
  if (cuda_ != nullptr) cuda_runtime::synchronize(*cuda_);
#endif
}

CpuResources& Context::cpu() const {
  YOLO_CHECK(cpu_ != nullptr, "{} context has no CPU resources", device_.str());
  return *cpu_;
}

CudaResources& Context::cuda() const {
  YOLO_CHECK(cuda_ != nullptr, "{} context has no CUDA resources", device_.str());
  return *cuda_;
}

}  // namespace yolo
