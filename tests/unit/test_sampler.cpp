// DistributedSampler: coverage across ranks, padding, per-epoch order, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "engine/core/error.h"
#include "engine/data/sampler.h"

namespace yolo {
namespace {

std::vector<std::vector<std::int64_t>> all_ranks(std::int64_t n, int world, std::int64_t epoch, std::uint64_t seed = 0) {
  std::vector<std::vector<std::int64_t>> out;
  for (int r = 0; r < world; ++r) out.push_back(DistributedSampler({n, r, world, true, seed}).indices(epoch));
  return out;
}

TEST(Sampler, EveryIndexOncePerEpochAcrossRanksWithPadding) {
  for (const auto& [n, world] : std::vector<std::pair<std::int64_t, int>>{{10, 1}, {10, 3}, {7, 4}, {2, 5}, {64, 8}}) {
    const auto ranks = all_ranks(n, world, 0);
    std::map<std::int64_t, int> seen;
    const std::int64_t per_rank = (n + world - 1) / world;
    for (const auto& r : ranks) {
      ASSERT_EQ(static_cast<std::int64_t>(r.size()), per_rank) << n << " over " << world;
      for (std::int64_t i : r) ++seen[i];
    }
    ASSERT_EQ(static_cast<std::int64_t>(seen.size()), n) << "every index visited";
    std::int64_t repeats = 0;
    for (const auto& [index, count] : seen) {
      ASSERT_GE(index, 0);
      ASSERT_LT(index, n);
      repeats += count - 1;
    }
    EXPECT_EQ(repeats, per_rank * world - n) << "only the padding repeats";
  }
}

TEST(Sampler, OrderChangesPerEpochAndRepeatsPerSeed) {
  const DistributedSampler a({100, 0, 1, true, 5}), b({100, 0, 1, true, 5}), c({100, 0, 1, true, 6});
  EXPECT_EQ(a.indices(3), b.indices(3));
  EXPECT_NE(a.indices(3), a.indices(4));
  EXPECT_NE(a.indices(3), c.indices(3));
  std::vector<std::int64_t> sorted = a.indices(3);
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
}

TEST(Sampler, NoShuffleIsStridedIdentity) {
  const DistributedSampler s({5, 1, 2, false, 0});
  EXPECT_EQ(s.indices(0), (std::vector<std::int64_t>{1, 3, 0}));
}

TEST(Sampler, RejectsBadRankAndEmptyDataset) {
  EXPECT_THROW(DistributedSampler({10, 2, 2, true, 0}), Error);
  EXPECT_THROW(DistributedSampler({0, 0, 1, true, 0}), Error);
}

}  // namespace
}  // namespace yolo
