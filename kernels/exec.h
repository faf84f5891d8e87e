#pragma once
// defines: the backend tags Cpu and Cuda; Exec<B>, the launcher of portable
// functors (exec_cpu.h and exec_cuda.cuh define it); dispatch_backend.
//
// A kernel is a YOLO_HD functor `f(i)` over an index space [0, n). The CUDA
// backend runs it as a grid-stride kernel, the CPU backend on the OpenMP pool,
// so the arithmetic is one piece of code and every CPU test covers the GPU's.
// Contract: f(i) for distinct i are independent (no ordering, no shared writes).
#include "engine/core/context.h"

namespace yolo {

struct Cpu {
  static constexpr const char* name = "cpu";
};
struct Cuda {
  static constexpr const char* name = "cuda";
};

template <class B>
struct Exec;

// Calls f.template operator()<B>() with B the backend tag of `device`.
template <class F>
decltype(auto) dispatch_backend(const Device& device, F&& f) {
#if YOLO_WITH_CUDA
  if (device.is_cuda()) return f.template operator()<Cuda>();
#else
  YOLO_CHECK(device.is_cpu(), "{}: this build has no CUDA backend", device.str());
#endif
  return f.template operator()<Cpu>();
}

}  // namespace yolo
