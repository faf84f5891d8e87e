#pragma once
// defines: SampleRandom, the random draws of one training sample.
//
// Counter-based (Philox): the numbers of sample `index` in epoch `epoch`
// depend only on (seed, epoch, index), never on which worker thread builds
// the sample or in what order, so a run is reproducible for any --workers.
#include <cstdint>

#include "kernels/philox.h"

namespace yolo {

class SampleRandom {
 public:
  SampleRandom(std::uint64_t seed, std::uint64_t epoch, std::uint64_t index)
      : key0_(static_cast<std::uint32_t>(seed)),
        key1_(static_cast<std::uint32_t>(seed >> 32)),
        epoch_(epoch),
        index_(index) {}

  // Uniform in [lo, hi) with 48 random bits.
  double uniform(double lo, double hi) {
    const std::uint64_t bits = next_bits() >> 16;
    return lo + (hi - lo) * (static_cast<double>(bits) * 0x1.0p-48);
  }
  // True with probability p (p <= 0: never, p >= 1: always).
  bool chance(double p) { return uniform(0.0, 1.0) < p; }
  // Uniform integer in [0, n), n >= 1.
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(uniform(0.0, static_cast<double>(n))) % n; }

 private:
  std::uint64_t next_bits() {
    const PhiloxBlock out = philox4x32_10(
        PhiloxBlock{{static_cast<std::uint32_t>(index_), static_cast<std::uint32_t>(index_ >> 32),
                     static_cast<std::uint32_t>(epoch_), draw_++}},
        key0_, key1_);
    return (static_cast<std::uint64_t>(out.v[0]) << 32) | out.v[1];
  }

  std::uint32_t key0_, key1_;
  std::uint64_t epoch_, index_;
  std::uint32_t draw_ = 0;
};

}  // namespace yolo
