#pragma once
// defines: DistributedSampler, the order in which one rank visits a dataset
// in an epoch (PyTorch's DistributedSampler semantics).
#include <cstdint>
#include <vector>

namespace yolo {

struct SamplerOptions {
  std::int64_t dataset_size = 0;
  int rank = 0, world_size = 1;
  bool shuffle = true;
  std::uint64_t seed = 0;
};

// Epoch e: a permutation of [0, n) drawn from (seed, e) (identity without
// shuffle), padded by repeating its head to a multiple of world_size, and
// rank r takes every world_size-th index from r. Every rank gets
// ceil(n / world_size) indices; together they cover each index once, plus
// the padding.
class DistributedSampler {
 public:
  explicit DistributedSampler(SamplerOptions options);

  std::vector<std::int64_t> indices(std::int64_t epoch) const;
  std::int64_t samples_per_rank() const;

 private:
  SamplerOptions options_;
};

}  // namespace yolo
