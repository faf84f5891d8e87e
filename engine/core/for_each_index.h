#pragma once
// defines: for_each_index, f(i) for i in [0, n) on a few std::threads (for
// host work that blocks or calls libraries: decoding, file checks), not the
// OpenMP pool of the kernels.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace yolo {

// Indices are handed out one at a time; the first exception stops the
// others from taking more and is rethrown here (one leaving a thread would
// abort the process).
template <class F>
void for_each_index(std::int64_t n, int threads, const F& f) {
  std::atomic<std::int64_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto run = [&] {
    try {
      for (std::int64_t i = next++; i < n; i = next++) f(i);
    } catch (...) {
      next = n;
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  const std::int64_t count = std::min<std::int64_t>(std::max(threads, 1), std::max<std::int64_t>(n, 1));
  for (std::int64_t t = 1; t < count; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace yolo
