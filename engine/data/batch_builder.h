#pragma once
// defines: build_batch, which turns sample plans into a training (or
// letterboxed validation) batch with one gather kernel on ctx's device.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/core/context.h"
#include "engine/data/augment.h"
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
// On CUDA the images are packed and uploaded first; on the CPU they are
// read in place.
void build_batch(const Context& ctx, std::span<const HostImage> images, std::span<const SampleGeometry> geometries,
                 Tensor& out);

// A batch's source images packed into one host buffer of words, ready for
// one upload. The loader's workers pack into pinned memory, so that the
// upload in build_batch is asynchronous; the buffer must then live until
// the upload has run (the loader holds it until a StreamEvent says so).
struct PackedSources {
  Tensor words;                       // i32 (total words), host memory
  std::vector<std::int64_t> offsets;  // of each image, in words
  std::vector<ImageExtent> extents;   // width, height of each
};
PackedSources pack_sources(std::span<const HostImage> images, const std::shared_ptr<Allocator>& host_memory);

// build_batch from packed sources (a device context).
void build_batch(const Context& ctx, const PackedSources& sources, std::span<const SampleGeometry> geometries,
                 Tensor& out);

}  // namespace yolo
