#include "engine/data/sampler.h"

#include <numeric>
#include <utility>

#include "engine/core/error.h"
#include "engine/data/sample_random.h"

namespace yolo {

DistributedSampler::DistributedSampler(SamplerOptions options) : options_(options) {
  YOLO_CHECK(options_.dataset_size > 0, "sampler: the dataset is empty");
  YOLO_CHECK(options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size,
             "sampler: rank {} of world size {}", options_.rank, options_.world_size);
}

std::int64_t DistributedSampler::samples_per_rank() const {
  return (options_.dataset_size + options_.world_size - 1) / options_.world_size;
}

std::vector<std::int64_t> DistributedSampler::indices(std::int64_t epoch) const {
  const std::int64_t n = options_.dataset_size;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle) {
    // Fisher-Yates from a stream keyed by (seed, epoch): the same on every rank.
    SampleRandom random(options_.seed, static_cast<std::uint64_t>(epoch), ~std::uint64_t{0});
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[random.below(i + 1)]);
  }
  const std::int64_t total = samples_per_rank() * options_.world_size;
  for (std::int64_t i = n; i < total; ++i) order.push_back(order[(i - n) % n]);
  std::vector<std::int64_t> mine;
  for (std::int64_t i = options_.rank; i < total; i += options_.world_size) mine.push_back(order[i]);
  return mine;
}

}  // namespace yolo
