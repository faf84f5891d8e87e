#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "engine/core/caching_allocator.h"
#include "engine/core/error.h"

namespace yolo {
namespace {

// Host memory standing in for cudaMalloc, with a budget and a call count.
class FakeDeviceMemory final : public RawMemory {
 public:
  explicit FakeDeviceMemory(std::size_t budget, int* calls, std::set<void*>* outstanding)
      : budget_(budget), calls_(calls), outstanding_(outstanding) {}
  void* allocate(std::size_t bytes) override {
    ++*calls_;
    if (used_ + bytes > budget_) return nullptr;
    used_ += bytes;
    void* p = ::operator new(bytes);
    sizes_[p] = bytes;
    outstanding_->insert(p);
    return p;
  }
  void free(void* p) override {
    used_ -= sizes_.at(p);
    sizes_.erase(p);
    outstanding_->erase(p);
    ::operator delete(p);
  }

 private:
  std::size_t budget_, used_ = 0;
  int* calls_;
  std::set<void*>* outstanding_;
  std::map<void*, std::size_t> sizes_;
};

TEST(CachingAllocator, RoundsToSizeClasses) {
  EXPECT_EQ(CachingAllocator::round_size(0), 512u);
  EXPECT_EQ(CachingAllocator::round_size(1), 512u);
  EXPECT_EQ(CachingAllocator::round_size(513), 1024u);
  EXPECT_EQ(CachingAllocator::round_size(1 << 20), 1u << 20);
  EXPECT_EQ(CachingAllocator::round_size((1 << 20) + 1), (1u << 20) + 128 * 1024);
}

TEST(CachingAllocator, SteadyStateNeverReachesTheSystemAllocator) {
  int calls = 0;
  std::set<void*> outstanding;
  CachingAllocator alloc(std::make_unique<FakeDeviceMemory>(1 << 30, &calls, &outstanding), Device::cuda(0));
  const std::vector<std::size_t> step = {3000, 1 << 20, 4096, 777, 5 << 20, 3000};
  for (int iteration = 0; iteration < 5; ++iteration) {
    std::vector<void*> blocks;
    for (std::size_t s : step) blocks.push_back(alloc.allocate(s));
    for (std::size_t i = 0; i < step.size(); ++i) alloc.deallocate(blocks[i], step[i]);
  }
  EXPECT_EQ(calls, static_cast<int>(step.size()));  // only the first step allocated
  const MemoryStats s = alloc.stats();
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_EQ(s.allocations, 30);
  EXPECT_EQ(s.system_allocations, 6);
  EXPECT_GE(s.peak_bytes, static_cast<std::int64_t>(3000 + (1 << 20) + 4096 + 777 + (5 << 20) + 3000));
  alloc.release_cached();
  EXPECT_TRUE(outstanding.empty());
  EXPECT_EQ(alloc.stats().reserved_bytes, 0);
}

TEST(CachingAllocator, DoesNotServeSmallRequestsFromHugeBlocks) {
  int calls = 0;
  std::set<void*> outstanding;
  CachingAllocator alloc(std::make_unique<FakeDeviceMemory>(1 << 30, &calls, &outstanding), Device::cuda(0));
  void* big = alloc.allocate(64 << 20);
  alloc.deallocate(big, 64 << 20);
  void* small = alloc.allocate(1024);
  EXPECT_NE(small, big);
  EXPECT_EQ(calls, 2);
  alloc.deallocate(small, 1024);
}

TEST(CachingAllocator, OutOfMemoryFreesTheCacheAndRetries) {
  int calls = 0;
  std::set<void*> outstanding;
  CachingAllocator alloc(std::make_unique<FakeDeviceMemory>(10 << 20, &calls, &outstanding), Device::cuda(0));
  void* a = alloc.allocate(6 << 20);
  alloc.deallocate(a, 6 << 20);       // cached, still held from the "device"
  void* b = alloc.allocate(8 << 20);  // does not fit beside the cached 6 MiB: cache released
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(outstanding.size(), 1u);
  try {
    alloc.allocate(9 << 20);
    FAIL() << "allocation beyond the budget succeeded";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("cuda:0 out of memory"), std::string::npos) << e.message();
  }
  alloc.deallocate(b, 8 << 20);
  EXPECT_THROW(alloc.deallocate(&calls, 4), Error);  // not its block
}

TEST(CpuAllocator, AlignsAndCounts) {
  CpuAllocator alloc;
  void* p = alloc.allocate(100);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
  EXPECT_EQ(alloc.stats().live_bytes, 100);
  alloc.deallocate(p, 100);
  EXPECT_EQ(alloc.stats().live_bytes, 0);
  EXPECT_EQ(alloc.stats().peak_bytes, 100);
}

}  // namespace
}  // namespace yolo
