#pragma once
// defines: Allocator (interface that counts live bytes and the high-water
// mark), MemoryStats, CpuAllocator (64-byte aligned host memory).
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/core/device.h"

namespace yolo {

struct MemoryStats {
  std::int64_t live_bytes = 0;          // handed out and not yet returned
  std::int64_t peak_bytes = 0;          // high-water mark of live_bytes
  std::int64_t reserved_bytes = 0;      // held from the system (live + cached)
  std::int64_t allocations = 0;         // calls to allocate()
  std::int64_t system_allocations = 0;  // of those, how many reached the system allocator
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* ptr, std::size_t bytes) = 0;
  virtual Device device() const = 0;
  // Returns memory kept for reuse to the system (a caching allocator's free
  // blocks); nothing to do for allocators that keep none.
  virtual void release_cached() {}

  MemoryStats stats() const;
  void reset_peak() { peak_.store(live_.load()); }

 protected:
  void record_allocate(std::size_t bytes, bool from_system);
  void record_deallocate(std::size_t bytes);
  void record_reserved(std::int64_t delta) { reserved_ += delta; }

 private:
  std::atomic<std::int64_t> live_{0};
  std::atomic<std::int64_t> peak_{0};
  std::atomic<std::int64_t> reserved_{0};
  std::atomic<std::int64_t> allocations_{0};
  std::atomic<std::int64_t> system_allocations_{0};
};

// Host memory aligned for AVX-512 loads. Thread-safe.
class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) override;
  Device device() const override { return Device::cpu(); }
};

}  // namespace yolo
