#pragma once
// defines: ImageStore, the decoded and resized images of a dataset split,
// with ultralytics' cache modes (--cache ram|disk|none); CacheMode,
// parse_cache_mode, resized_extent.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/data/augment.h"

namespace yolo {

enum class CacheMode { none, ram, disk };

// Keeps OpenCV's own "[ WARN ]" lines (e.g. for an unreadable image) off
// stderr: the data layer reports those as counted warnings itself. A
// process-wide library setting: binaries call it once in main().
void quiet_image_library_logs();

// "ram" / "true", "disk", "none" / "false" / "" (ultralytics' --cache values).
CacheMode parse_cache_mode(std::string_view text);

// ultralytics' load_image: the long side to imgsz, each side
// min(ceil(side * imgsz / long side), imgsz); unchanged when already there.
ImageExtent resized_extent(ImageExtent original, std::int32_t imgsz);

// A word per pixel: bytes B, G, R, unused (the gather kernel's SourceImage).
struct DecodedImage {
  std::vector<std::uint32_t> pixels;
  std::int32_t width = 0, height = 0;
};

// A BGR image (`step` bytes per row) resized to `size` (INTER_LINEAR, as
// ultralytics' load_image) as words: what the store holds and what
// prediction feeds the batch builder.
DecodedImage to_bgrx(const std::uint8_t* bgr, std::int32_t width, std::int32_t height, std::int64_t step,
                     ImageExtent size);

class ImageStore {
 public:
  // extents: each image's size after EXIF orientation (from the label
  // check), so the plans know the resized sizes before any decode.
  // ram: every image is decoded now on `workers` threads and kept.
  // disk: the full-size decode is kept in <image>.npy beside the image
  // (written now, atomically; skipped where the folder is read-only).
  ImageStore(std::vector<std::filesystem::path> files, std::vector<ImageExtent> original_extents, std::int32_t imgsz,
             CacheMode mode, int workers);

  std::int64_t size() const { return static_cast<std::int64_t>(files_.size()); }
  std::int32_t imgsz() const { return imgsz_; }
  // The size get(i) will have.
  ImageExtent extent(std::int64_t i) const { return extents_[i]; }
  ImageExtent original_extent(std::int64_t i) const { return original_extents_[i]; }
  const std::vector<ImageExtent>& extents() const { return extents_; }
  const std::filesystem::path& file(std::int64_t i) const { return files_[i]; }

  // Image i decoded and resized (INTER_LINEAR). Thread-safe. An image that
  // no longer decodes (changed on disk since the check) is an error.
  std::shared_ptr<const DecodedImage> get(std::int64_t i) const;

  std::int64_t cached_bytes() const;

 private:
  std::shared_ptr<const DecodedImage> load(std::int64_t i) const;

  std::vector<std::filesystem::path> files_;
  std::vector<ImageExtent> extents_;
  std::vector<ImageExtent> original_extents_;
  std::int32_t imgsz_;
  CacheMode mode_;
  std::vector<std::shared_ptr<const DecodedImage>> ram_;  // filled once by the constructor (ram mode)
};

}  // namespace yolo
