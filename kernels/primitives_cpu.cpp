// Primitives<Cpu>: plain C++ on the context's OpenMP threads. Sums use a
// fixed blocking, fixed lanes and double accumulators, so results do not
// depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "kernels/primitives.h"

namespace yolo {
namespace {
constexpr std::int64_t kSumBlock = 1 << 14;

// Partial results in kLanes independent lanes (element i feeds lane i mod
// kLanes), combined in a fixed order: the compiler vectorises the lanes, and
// the result depends only on the data, never on threads or timing.
constexpr int kLanes = 16;

double sum_range(const float* in, std::int64_t begin, std::int64_t end) {
  double lanes[kLanes] = {};
  std::int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] += in[i + l];
  }
  for (int l = 0; i < end; ++i, ++l) lanes[l] += in[i];
  double acc = 0.0;
  for (double v : lanes) acc += v;
  return acc;
}

float max_range(const float* in, std::int64_t begin, std::int64_t end) {
  constexpr float kLowest = -std::numeric_limits<float>::infinity();
  float lanes[kLanes];
  std::fill(lanes, lanes + kLanes, kLowest);
  std::int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] = in[i + l] > lanes[l] ? in[i + l] : lanes[l];
  }
  for (int l = 0; i < end; ++i, ++l) lanes[l] = in[i] > lanes[l] ? in[i] : lanes[l];
  return *std::max_element(lanes, lanes + kLanes);
}

// top_k's order: larger value first, equal values by lower index.
struct LargerFirst {
  const float* values;
  bool operator()(std::int32_t a, std::int32_t b) const {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  }
};
}  // namespace

template <>
void Primitives<Cpu>::sum(const Context& ctx, const float* in, std::int64_t n, float* out) {
  const std::int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
#pragma omp parallel for num_threads(ctx.num_threads()) schedule(static) if (blocks > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    partial[static_cast<std::size_t>(b)] = sum_range(in, b * kSumBlock, std::min(n, (b + 1) * kSumBlock));
  }
  *out = static_cast<float>(std::accumulate(partial.begin(), partial.end(), 0.0));
}

template <>
void Primitives<Cpu>::max(const Context& ctx, const float* in, std::int64_t n, float* out) {
  const std::int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  float m = -std::numeric_limits<float>::infinity();
#pragma omp parallel for num_threads(ctx.num_threads()) schedule(static) reduction(max : m) if (blocks > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    m = std::max(m, max_range(in, b * kSumBlock, std::min(n, (b + 1) * kSumBlock)));
  }
  *out = m;
}

template <>
void Primitives<Cpu>::segmented_sum(const Context& ctx, const float* in, const std::int64_t* offsets,
                                    std::int64_t segments, float* out) {
#pragma omp parallel for num_threads(ctx.num_threads()) schedule(dynamic, 16) if (segments > 1)
  for (std::int64_t s = 0; s < segments; ++s) out[s] = static_cast<float>(sum_range(in, offsets[s], offsets[s + 1]));
}

template <>
void Primitives<Cpu>::segmented_max(const Context& ctx, const float* in, const std::int64_t* offsets,
                                    std::int64_t segments, float* out) {
#pragma omp parallel for num_threads(ctx.num_threads()) schedule(dynamic, 16) if (segments > 1)
  for (std::int64_t s = 0; s < segments; ++s) out[s] = max_range(in, offsets[s], offsets[s + 1]);
}

template <>
void Primitives<Cpu>::exclusive_scan(const Context&, const std::int32_t* in, std::int64_t n, std::int32_t* out) {
  std::int32_t running = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t v = in[i];  // read before writing: out may alias in
    out[i] = running;
    running += v;
  }
}

template <>
void Primitives<Cpu>::sort_by_key(const Context&, float* keys, std::int32_t* values, std::int64_t n,
                                  SortOrder order) {
  // Sorting the pairs themselves keeps the comparisons in cache (an index
  // permutation would read the keys at random).
  std::vector<std::pair<float, std::int32_t>> pairs(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < pairs.size(); ++i) pairs[i] = {keys[i], values[i]};
  if (order == SortOrder::descending) {
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  } else {
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    keys[i] = pairs[i].first;
    values[i] = pairs[i].second;
  }
}

template <>
void Primitives<Cpu>::top_k(const Context& ctx, const float* in, std::int64_t rows, std::int64_t cols,
                            std::int64_t k, float* values, std::int32_t* indices) {
  YOLO_CHECK(k >= 0 && k <= cols, "top_k: k = {} for rows of {} columns", k, cols);
#pragma omp parallel num_threads(ctx.num_threads()) if (rows > 1)
  {
    std::vector<std::int32_t> order(static_cast<std::size_t>(cols));
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = in + r * cols;
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + k, order.end(), LargerFirst{row});
      for (std::int64_t j = 0; j < k; ++j) {
        values[r * k + j] = row[order[static_cast<std::size_t>(j)]];
        indices[r * k + j] = order[static_cast<std::size_t>(j)];
      }
    }
  }
}

}  // namespace yolo
