#include "engine/core/caching_allocator.h"

#include <algorithm>
#include <cstdlib>

#include "engine/core/error.h"

namespace yolo {

void* HostMemory::allocate(std::size_t bytes) {
  constexpr std::size_t kAlign = 64;
  return std::aligned_alloc(kAlign, (std::max<std::size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign);
}

void HostMemory::free(void* ptr) { std::free(ptr); }

CachingAllocator::CachingAllocator(std::unique_ptr<RawMemory> raw, Device device)
    : raw_(std::move(raw)), device_(device) {}

// Every Storage holds a reference to its allocator, so no block is live here.
CachingAllocator::~CachingAllocator() { release_cached(); }

std::size_t CachingAllocator::round_size(std::size_t bytes) {
  constexpr std::size_t kSmallStep = 512;
  constexpr std::size_t kLargeStep = 128 * 1024;
  constexpr std::size_t kLargeFrom = 1024 * 1024;
  if (bytes == 0) return kSmallStep;
  const std::size_t step = bytes < kLargeFrom ? kSmallStep : kLargeStep;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(std::size_t bytes) {
  const std::size_t size = round_size(bytes);
  std::lock_guard lock(mutex_);
  // Best fit among cached blocks, but never more than twice the request:
  // a huge block serving a small tensor would be lost to larger requests.
  auto it = free_blocks_.lower_bound(size);
  if (it != free_blocks_.end() && it->first <= 2 * size) {
    void* p = it->second;
    live_blocks_.emplace(p, it->first);
    free_blocks_.erase(it);
    record_allocate(bytes, false);
    return p;
  }
  void* p = raw_->allocate(size);
  if (p == nullptr) {
    // Out of memory: give the cache back and try once more.
    free_cached_blocks();
    p = raw_->allocate(size);
  }
  YOLO_CHECK(p != nullptr, "{} out of memory: tried to allocate {:.1f} MiB ({:.1f} MiB live)", device_.str(),
             static_cast<double>(bytes) / (1 << 20), static_cast<double>(stats().live_bytes) / (1 << 20));
  record_reserved(static_cast<std::int64_t>(size));
  live_blocks_.emplace(p, size);
  record_allocate(bytes, true);
  return p;
}

void CachingAllocator::deallocate(void* ptr, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  auto it = live_blocks_.find(ptr);
  YOLO_CHECK(it != live_blocks_.end(), "{}: freeing a block this allocator does not own", device_.str());
  free_blocks_.emplace(it->second, ptr);
  live_blocks_.erase(it);
  record_deallocate(bytes);
}

void CachingAllocator::release_cached() {
  std::lock_guard lock(mutex_);
  free_cached_blocks();
}

void CachingAllocator::free_cached_blocks() {
  for (auto& [size, block] : free_blocks_) {
    raw_->free(block);
    record_reserved(-static_cast<std::int64_t>(size));
  }
  free_blocks_.clear();
}

}  // namespace yolo
