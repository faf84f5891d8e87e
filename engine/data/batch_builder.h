#pragma once
// defines: build_batch, which turns sample plans into a training (or
// letterboxed validation) batch with one gather kernel on ctx's device.
#include <cstdint>
#include <span>

#include "engine/core/context.h"
#include "kernels/augment.h"

namespace yolo {

// A decoded image in host memory: a word per pixel, bytes B, G, R, unused
// (see SourceImage), rows of `width` words.
struct HostImage {
  const std::uint32_t* pixels = nullptr;
  std::int32_t width = 0, height = 0;
};

// out (B, H, W, 3) f32 on ctx's device, RGB in [0, 1]: sample b is
// geometries[b] (see sample_geometry), whose tiles index `images`.
// On CUDA the images are uploaded first; on the CPU they are read in place.
void build_batch(const Context& ctx, std::span<const HostImage> images, std::span<const SampleGeometry> geometries,
                 Tensor& out);

}  // namespace yolo
