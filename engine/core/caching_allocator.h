#pragma once
// defines: RawMemory (the system allocator underneath: cudaMalloc on CUDA),
// HostMemory (aligned_alloc, under a cpu context's cache), CachingAllocator (keeps freed blocks in size-class free lists so that a
// training step, which repeats the same shapes, never reaches the system
// allocator after the first step).
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include "engine/core/allocator.h"

namespace yolo {

class RawMemory {
 public:
  virtual ~RawMemory() = default;
  // Returns nullptr when the system is out of memory.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void free(void* ptr) = 0;
};

// Host memory, 64-byte aligned (std::aligned_alloc): what a cpu Context's
// CachingAllocator sits on. Large blocks come from mmap, so without the
// cache every big activation would cost fresh page faults on each step.
class HostMemory final : public RawMemory {
 public:
  void* allocate(std::size_t bytes) override;
  void free(void* ptr) override;
};

// Blocks are reused on the stream they were allocated for (one allocator per
// Context, whose kernels all run on its compute stream), so a block freed by
// the host can be handed out again at once: stream order keeps the old and
// the new user apart.
class CachingAllocator final : public Allocator {
 public:
  CachingAllocator(std::unique_ptr<RawMemory> raw, Device device);
  ~CachingAllocator() override;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* ptr, std::size_t bytes) override;
  Device device() const override { return device_; }

  // Returns every cached (free) block to the system.
  void release_cached() override;

  // Size classes: 512 B steps below 1 MiB, 128 KiB steps above.
  static std::size_t round_size(std::size_t bytes);

 private:
  void free_cached_blocks();  // with mutex_ held

  std::unique_ptr<RawMemory> raw_;
  Device device_;
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_blocks_;  // rounded size -> block
  std::map<void*, std::size_t> live_blocks_;       // block -> rounded size
};

}  // namespace yolo
