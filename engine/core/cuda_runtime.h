#pragma once
// defines: the CUDA runtime calls the rest of core needs, as plain C++
// declarations (no CUDA headers), implemented in cuda_runtime.cu.
// Only compiled and called when YOLO_WITH_CUDA is 1.
#include <cstddef>
#include <memory>
#include <string>

namespace yolo {

struct CudaResources;
class RawMemory;

namespace cuda_runtime {

struct DeviceQuery {
  int count = 0;
  std::string error;  // why there is no device, when count is 0
};
// Never throws: no driver, no device or a broken driver all mean "count 0".
DeviceQuery query_devices();

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;
  int sm_count = 0;
  std::size_t total_memory = 0;
};
DeviceProperties device_properties(int device);
std::string library_versions();  // "cuDNN 9.19.0, cuBLAS 13.1.0, NCCL 2.28.9"

CudaResources* create_resources(int device);
void destroy_resources(CudaResources* resources) noexcept;
std::unique_ptr<RawMemory> make_device_memory(int device);
// Page-locked host memory (cudaHostAlloc): copies from it are truly
// asynchronous, so a block may be reused only after its copy has run
// (StreamEvent).
// Allocated with `device` current, so no other device gets a context.
std::unique_ptr<RawMemory> make_pinned_host_memory(int device);

// An event recorded on the compute stream of `r` when constructed: done()
// once all work queued there before it has run.
class StreamEvent {
 public:
  explicit StreamEvent(CudaResources& r);
  ~StreamEvent();
  StreamEvent(const StreamEvent&) = delete;
  StreamEvent& operator=(const StreamEvent&) = delete;
  bool done() const;
  void wait() const;

 private:
  void* event_ = nullptr;  // cudaEvent_t
};

enum class CopyKind { host_to_device, device_to_host, device_to_device };
void copy_async(CudaResources& r, void* dst, const void* src, std::size_t bytes, CopyKind kind);
void memset_async(CudaResources& r, void* dst, int value, std::size_t bytes);
void synchronize(CudaResources& r);

}  // namespace cuda_runtime
}  // namespace yolo
