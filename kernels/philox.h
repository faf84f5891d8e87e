#pragma once
// defines: philox4x32_10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11), a counter-based generator: output = f(counter, key), no
// sequential state, so every index draws its own numbers and the CPU and the
// GPU produce the same stream. uniform_from_bits maps a word to [0, 1).
#include <cstdint>

#include "engine/core/hd.h"

namespace yolo {

struct PhiloxBlock {
  std::uint32_t v[4];
};

// Ten rounds of: (c0, c1, c2, c3) <- (hi(M1*c2) ^ c1 ^ k0, lo(M1*c2), hi(M0*c0) ^ c3 ^ k1, lo(M0*c0)),
// the key bumped by the Weyl constants between rounds.
YOLO_HD PhiloxBlock philox4x32_10(PhiloxBlock c, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * c.v[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * c.v[2];
    c = PhiloxBlock{{static_cast<std::uint32_t>(p1 >> 32) ^ c.v[1] ^ k0, static_cast<std::uint32_t>(p1),
                     static_cast<std::uint32_t>(p0 >> 32) ^ c.v[3] ^ k1, static_cast<std::uint32_t>(p0)}};
  }
  return c;
}

// The top 24 bits as a float in [0, 1): exact, never 1.
YOLO_HD float uniform_from_bits(std::uint32_t bits) { return static_cast<float>(bits >> 8) * 5.9604644775390625e-8f; }

}  // namespace yolo
