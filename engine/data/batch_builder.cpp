#include "engine/data/batch_builder.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/data/batch_builder_impl.h"
#include "engine/ops/tensor_checks.h"

namespace yolo {
namespace {

void check_plans(std::span<const ImageExtent> images, std::span<const SampleGeometry> geometries) {
  for (const ImageExtent& im : images) {
    YOLO_CHECK(im.width > 0 && im.height > 0, "build_batch: an empty source image");
  }
  for (const SampleGeometry& g : geometries) {
    YOLO_CHECK(g.tile_count >= 1 && g.tile_count <= kMaxCanvasTiles, "build_batch: {} tiles", g.tile_count);
    for (int t = 0; t < g.tile_count; ++t) {
      const CanvasTile& tile = g.tiles[t];
      YOLO_CHECK(tile.image >= 0 && tile.image < static_cast<std::int32_t>(images.size()),
                 "build_batch: tile of image {} of {}", tile.image, images.size());
      const ImageExtent& im = images[tile.image];
      // The kernel reads source pixel (c - pad) for canvas pixels c in the rectangle.
      const bool inside = tile.x0 <= tile.x1 && tile.y0 <= tile.y1 && tile.x0 - tile.pad_x >= 0 &&
                          tile.y0 - tile.pad_y >= 0 && tile.x1 - tile.pad_x <= im.width &&
                          tile.y1 - tile.pad_y <= im.height;
      YOLO_CHECK(inside, "build_batch: tile [{}, {}) x [{}, {}) minus ({}, {}) leaves the {}x{} source image",
                 tile.x0, tile.x1, tile.y0, tile.y1, tile.pad_x, tile.pad_y, im.width, im.height);
      // A canvas pixel comes from at most one tile.
      for (int u = 0; u < t; ++u) {
        const CanvasTile& other = g.tiles[u];
        const bool overlap = tile.x0 < other.x1 && other.x0 < tile.x1 && tile.y0 < other.y1 && other.y0 < tile.y1;
        YOLO_CHECK(!overlap, "build_batch: tiles {} and {} overlap", u, t);
      }
    }
  }
}

// A host array of POD structs as a contiguous device tensor of bytes.
template <class T>
Tensor upload_bytes(const Context& ctx, const T* items, std::size_t count) {
  Tensor host = ctx.empty_host({static_cast<std::int64_t>(count * sizeof(T))}, DType::u8);
  std::memcpy(host.data<std::uint8_t>(), items, count * sizeof(T));
  return to_device(ctx, host);
}

// The packed sources uploaded (asynchronously from pinned memory), then the
// table of their device addresses and the geometries, then the kernel: all
// on ctx's compute stream, in that order.
void gather_on_device(const Context& ctx, const PackedSources& sources, std::span<const SampleGeometry> geometries,
                      Tensor& out) {
  const Tensor pixels = to_device(ctx, sources.words);
  const auto* words = reinterpret_cast<const std::uint32_t*>(pixels.data<std::int32_t>());
  std::vector<SourceImage> table;
  for (std::size_t i = 0; i < sources.offsets.size(); ++i) {
    table.push_back(SourceImage{words + sources.offsets[i], sources.extents[i].width, sources.extents[i].height});
  }
  const Tensor table_d = upload_bytes(ctx, table.data(), table.size());
  const Tensor geometries_d = upload_bytes(ctx, geometries.data(), geometries.size());
  dispatch_backend(ctx.device(), [&]<class B>() {
    BatchBuilderImpl<B>::gather(ctx, reinterpret_cast<const SourceImage*>(table_d.data<std::uint8_t>()),
                                reinterpret_cast<const SampleGeometry*>(geometries_d.data<std::uint8_t>()), out);
  });
  // The device buffers are freed when this returns: the caching allocator
  // hands them out again only to work queued after the kernel on this stream.
}

}  // namespace

void build_batch(const Context& ctx, std::span<const HostImage> images, std::span<const SampleGeometry> geometries,
                 Tensor& out) {
  YOLO_CHECK(out.defined() && out.ndim() == 4, "build_batch: out must be (B, H, W, 3)");
  check_tensor(ctx, out, "build_batch", "out", DType::f32,
               {static_cast<std::int64_t>(geometries.size()), out.dim(1), out.dim(2), 3});
  std::vector<ImageExtent> extents;
  for (const HostImage& im : images) {
    YOLO_CHECK(im.pixels != nullptr, "build_batch: a source image without pixels");
    extents.push_back(ImageExtent{im.width, im.height});
  }
  check_plans(extents, geometries);
  if (geometries.empty()) return;
  if (ctx.device().is_cpu()) {
    std::vector<SourceImage> table;
    for (const HostImage& im : images) table.push_back(SourceImage{im.pixels, im.width, im.height});
    BatchBuilderImpl<Cpu>::gather(ctx, table.data(), geometries.data(), out);
    return;
  }
  // Pageable staging: the upload copies it out before returning, so it may
  // go when this returns.
  gather_on_device(ctx, pack_sources(images, ctx.shared_host_allocator()), geometries, out);
}

PackedSources pack_sources(std::span<const HostImage> images, const std::shared_ptr<Allocator>& host_memory) {
  PackedSources p;
  std::int64_t total = 0;
  for (const HostImage& im : images) {
    p.offsets.push_back(total);
    p.extents.push_back(ImageExtent{im.width, im.height});
    total += static_cast<std::int64_t>(im.width) * im.height;
  }
  p.words = Tensor::empty(host_memory, {std::max<std::int64_t>(total, 1)}, DType::i32);
  auto* dst = reinterpret_cast<std::uint32_t*>(p.words.data<std::int32_t>());
  for (std::size_t i = 0; i < images.size(); ++i) {
    std::memcpy(dst + p.offsets[i], images[i].pixels,
                static_cast<std::size_t>(images[i].width) * images[i].height * sizeof(std::uint32_t));
  }
  return p;
}

void build_batch(const Context& ctx, const PackedSources& sources, std::span<const SampleGeometry> geometries,
                 Tensor& out) {
  YOLO_CHECK(!ctx.device().is_cpu(), "build_batch: packed sources are for a device context");
  YOLO_CHECK(out.defined() && out.ndim() == 4, "build_batch: out must be (B, H, W, 3)");
  check_tensor(ctx, out, "build_batch", "out", DType::f32,
               {static_cast<std::int64_t>(geometries.size()), out.dim(1), out.dim(2), 3});
  check_plans(sources.extents, geometries);
  if (geometries.empty()) return;
  gather_on_device(ctx, sources, geometries, out);
}

}  // namespace yolo
