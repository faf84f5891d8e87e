#pragma once
// defines: Context, ContextOptions.
// One Context per rank and device: the allocator, the CPU thread count and
// oneDNN engine, or the CUDA streams and library handles, and the RNG seed.
// Nothing here is global: two contexts never share mutable state.
#include <atomic>
#include <cstdint>
#include <memory>

#include "engine/core/device.h"
#include "engine/core/op_cache.h"
#include "engine/core/tensor.h"

namespace yolo {

struct CpuResources;   // engine/core/cpu_resources.h (oneDNN)
struct CudaResources;  // engine/core/cuda_resources.h (streams, cuDNN, cuBLAS)

// The convolution algorithms ops may pick from.
enum class ConvAlgorithms {
  // The fastest: Winograd for 3x3 stride-1 f32 on the cpu (rounding error
  // up to ~2e-6 of the output's scale, 2-7x a direct sum's), whatever
  // cuDNN's Find times fastest on cuda.
  fastest,
  // Direct and GEMM-style sums only (PyTorch's CPU convolutions): the closest
  // agreement with a float64 reference, for parity tests.
  direct,
};

struct ContextOptions {
  int num_threads = 0;  // CPU threads for parallel_for and oneDNN; 0 = OpenMP's default
  std::uint64_t seed = 0;
  ConvAlgorithms conv_algorithms = ConvAlgorithms::fastest;
};

class Context {
 public:
  explicit Context(Device device = Device::cpu(), ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Device& device() const { return device_; }
  int num_threads() const { return num_threads_; }
  std::uint64_t seed() const { return seed_; }
  ConvAlgorithms conv_algorithms() const { return conv_algorithms_; }
  // The context's random stream is counter-based (kernels/philox.h): a draw
  // is f(seed, offset, index). Each consumer takes a fresh offset, so two
  // draws never overlap and a run is reproducible from the seed alone.
  std::uint64_t take_rng_offset() const { return rng_offset_.fetch_add(1); }

  Allocator& allocator() const { return *allocator_; }
  const std::shared_ptr<Allocator>& shared_allocator() const { return allocator_; }
  const std::shared_ptr<Allocator>& shared_host_allocator() const { return host_allocator_; }
  Tensor empty(const Shape& shape, DType dtype) const;
  Tensor zeros(const Shape& shape, DType dtype) const;
  // Host memory for staging (the same allocator as allocator() on cpu).
  Tensor empty_host(const Shape& shape, DType dtype) const;

  // Waits for all work queued on this context.
  void synchronize() const;

  // Per-shape objects of ops (primitives, descriptors, chosen algorithms).
  // Ops reach the cache through a const Context: building them does not
  // change what the context computes.
  OpCache& op_cache() const { return op_cache_; }

  CpuResources& cpu() const;    // only on a cpu context
  CudaResources& cuda() const;  // only on a cuda context

 private:
  Device device_;
  int num_threads_ = 1;
  std::uint64_t seed_ = 0;
  ConvAlgorithms conv_algorithms_ = ConvAlgorithms::fastest;
  mutable std::atomic<std::uint64_t> rng_offset_{0};
  std::shared_ptr<Allocator> allocator_;
  std::shared_ptr<Allocator> host_allocator_;
  mutable OpCache op_cache_;
  std::unique_ptr<CpuResources> cpu_;
  // Owned; destroyed through the CUDA runtime (see context.cpp).
  CudaResources* cuda_ = nullptr;
};

}  // namespace yolo
