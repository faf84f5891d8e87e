// Primitives<Cpu>: plain C++ on the context's OpenMP threads. Sums use a
// fixed blocking and double accumulators, so results do not depend on the
// thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "kernels/primitives.h"

namespace yolo {
namespace {
constexpr std::int64_t kSumBlock = 1 << 14;

double sum_range(const float* in, std::int64_t begin, std::int64_t end) {
  double acc = 0.0;
  for (std::int64_t i = begin; i < end; ++i) acc += in[i];
  return acc;
}

float max_range(const float* in, std::int64_t begin, std::int64_t end) {
  float m = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = begin; i < end; ++i) m = std::max(m, in[i]);
  return m;
}

// The (value desc, index asc) order that top_k and descending sorts share.
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
  std::vector<std::int32_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  if (order == SortOrder::descending) {
    std::stable_sort(perm.begin(), perm.end(), [&](std::int32_t a, std::int32_t b) { return keys[a] > keys[b]; });
  } else {
    std::stable_sort(perm.begin(), perm.end(), [&](std::int32_t a, std::int32_t b) { return keys[a] < keys[b]; });
  }
  std::vector<float> sorted_keys(static_cast<std::size_t>(n));
  std::vector<std::int32_t> sorted_values(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < perm.size(); ++i) {
    sorted_keys[i] = keys[perm[i]];
    sorted_values[i] = values[perm[i]];
  }
  std::copy(sorted_keys.begin(), sorted_keys.end(), keys);
  std::copy(sorted_values.begin(), sorted_values.end(), values);
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
