#include "engine/core/allocator.h"

#include <cstdlib>

#include "engine/core/error.h"

namespace yolo {

MemoryStats Allocator::stats() const {
  MemoryStats s;
  s.live_bytes = live_.load();
  s.peak_bytes = peak_.load();
  s.reserved_bytes = reserved_.load();
  s.allocations = allocations_.load();
  s.system_allocations = system_allocations_.load();
  return s;
}

void Allocator::record_allocate(std::size_t bytes, bool from_system) {
  const std::int64_t live = live_.fetch_add(static_cast<std::int64_t>(bytes)) + static_cast<std::int64_t>(bytes);
  std::int64_t peak = peak_.load();
  while (live > peak && !peak_.compare_exchange_weak(peak, live)) {
  }
  ++allocations_;
  if (from_system) ++system_allocations_;
}

void Allocator::record_deallocate(std::size_t bytes) { live_ -= static_cast<std::int64_t>(bytes); }

void* CpuAllocator::allocate(std::size_t bytes) {
  constexpr std::size_t kAlign = 64;
  const std::size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded == 0 ? kAlign : rounded);
  YOLO_CHECK(p != nullptr, "out of host memory allocating {} bytes (live {} bytes)", bytes, stats().live_bytes);
  record_allocate(bytes, true);
  record_reserved(static_cast<std::int64_t>(bytes));
  return p;
}

void CpuAllocator::deallocate(void* ptr, std::size_t bytes) {
  std::free(ptr);
  record_deallocate(bytes);
  record_reserved(-static_cast<std::int64_t>(bytes));
}

}  // namespace yolo
