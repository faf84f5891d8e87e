#include "engine/core/backends.h"

#include <fmt/format.h>
#include <omp.h>

#include <dnnl.hpp>

#include "engine/core/error.h"
#if YOLO_WITH_CUDA
#include "engine/core/cuda_runtime.h"
#endif

namespace yolo {

bool cuda_built() { return YOLO_WITH_CUDA != 0; }

int cuda_device_count() {
#if YOLO_WITH_CUDA
  return cuda_runtime::query_devices().count;
#else
  return 0;
#endif
}

std::string describe_backends() {
  const dnnl_version_t* v = dnnl_version();
  std::string text =
      fmt::format("cpu: oneDNN {}.{}.{}, OpenMP, {} threads", v->major, v->minor, v->patch, omp_get_max_threads());
#if YOLO_WITH_CUDA
  text += fmt::format("\ncuda: CUDA runtime {}, device code for sm {}, {}", YOLO_CUDA_RUNTIME_VERSION, YOLO_CUDA_ARCHS,
                      cuda_runtime::library_versions());
#endif
  return text;
}

std::string describe_devices() {
  std::string text = fmt::format("cpu: {} threads", omp_get_max_threads());
#if YOLO_WITH_CUDA
  const auto q = cuda_runtime::query_devices();
  if (q.count == 0) text += fmt::format("\ncuda: no CUDA device ({}); running on cpu", q.error);
  for (int i = 0; i < q.count; ++i) {
    const auto p = cuda_runtime::device_properties(i);
    text += fmt::format("\ncuda:{}: {}, sm_{}{}, {} SMs, {:.1f} GiB", i, p.name, p.major, p.minor, p.sm_count,
                        static_cast<double>(p.total_memory) / (1ull << 30));
  }
#else
  text += "\ncuda: not built into this binary";
#endif
  return text;
}

void require_device(const Device& device) {
  if (device.is_cpu()) return;
#if YOLO_WITH_CUDA
  const auto q = cuda_runtime::query_devices();
  YOLO_CHECK(q.count > 0, "device {} requested but there is no CUDA device: {} (use --device cpu)", device.str(),
             q.error);
  YOLO_CHECK(device.index < q.count, "device {} requested but this machine has {} CUDA device(s)", device.str(),
             q.count);
#else
  YOLO_FAIL("device {} requested but this build has no CUDA backend (use --device cpu)", device.str());
#endif
}

}  // namespace yolo
