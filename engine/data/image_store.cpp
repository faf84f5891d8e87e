#include "engine/data/image_store.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "engine/core/error.h"
#include "engine/core/for_each_index.h"
#include "engine/io/npy.h"

namespace yolo {
namespace {

// <image>.npy with the image's extension kept: a.jpg and a.png must not share one.
std::filesystem::path npy_path(const std::filesystem::path& image) { return image.string() + ".npy"; }

cv::Mat decode(const std::filesystem::path& file) {
  cv::Mat im = cv::imread(file.string(), cv::IMREAD_COLOR);  // BGR, EXIF orientation applied
  YOLO_CHECK(!im.empty(), "{}: the image no longer decodes (changed since the label check?)", file.string());
  return im;
}

cv::Mat read_npy_image(const std::filesystem::path& file) {
  const NpyArray a = read_npy(file.string());
  YOLO_CHECK(a.descr == "|u1" && a.shape.size() == 3 && a.shape[2] == 3, "{}: not an (H, W, 3) u8 image",
             file.string());
  cv::Mat im(static_cast<int>(a.shape[0]), static_cast<int>(a.shape[1]), CV_8UC3);
  std::copy(a.bytes.begin(), a.bytes.end(), reinterpret_cast<char*>(im.data));
  return im;
}

// Temp file and rename: a crash never leaves a half-written cache entry.
bool write_npy_image(const std::filesystem::path& file, const cv::Mat& im) {
  // pid and thread: ranks running as threads may cache the same image at once.
  const std::filesystem::path tmp =
      file.string() + fmt::format(".tmp{}.{}", ::getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  try {
    write_npy(tmp.string(), "|u1", {im.rows, im.cols, 3}, im.data, im.total() * 3);
    std::filesystem::rename(tmp, file);
    return true;
  } catch (const std::exception&) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return false;
  }
}

}  // namespace

void quiet_image_library_logs() { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR); }

CacheMode parse_cache_mode(std::string_view text) {
  if (text == "ram" || text == "true" || text == "True") return CacheMode::ram;
  if (text == "disk") return CacheMode::disk;
  if (text.empty() || text == "none" || text == "false" || text == "False") return CacheMode::none;
  YOLO_FAIL("--cache {}: expected ram, disk or none", text);
}

ImageExtent resized_extent(ImageExtent original, std::int32_t imgsz) {
  const std::int32_t long_side = std::max(original.width, original.height);
  if (long_side == imgsz) return original;
  const double r = static_cast<double>(imgsz) / long_side;
  return ImageExtent{std::min(static_cast<std::int32_t>(std::ceil(original.width * r)), imgsz),
                     std::min(static_cast<std::int32_t>(std::ceil(original.height * r)), imgsz)};
}

ImageStore::ImageStore(std::vector<std::filesystem::path> files, std::vector<ImageExtent> original_extents,
                       std::int32_t imgsz, CacheMode mode, int workers)
    : files_(std::move(files)), imgsz_(imgsz), mode_(mode) {
  YOLO_CHECK(imgsz > 0, "image size {} must be positive", imgsz);
  YOLO_CHECK(files_.size() == original_extents.size(), "image store: {} files, {} sizes", files_.size(),
             original_extents.size());
  for (const ImageExtent& e : original_extents) extents_.push_back(resized_extent(e, imgsz));
  original_extents_ = std::move(original_extents);
  if (mode_ == CacheMode::ram) {
    ram_.resize(files_.size());
    for_each_index(size(), workers, [&](std::int64_t i) { ram_[i] = load(i); });
  } else if (mode_ == CacheMode::disk) {
    std::atomic<std::int64_t> unwritable{0};
    for_each_index(size(), workers, [&](std::int64_t i) {
      const std::filesystem::path npy = npy_path(files_[i]);
      if (!std::filesystem::exists(npy) && !write_npy_image(npy, decode(files_[i]))) ++unwritable;
    });
    if (unwritable > 0) {
      std::fprintf(stderr, "warning: --cache disk: %lld images could not be cached (read-only folder?); decoding them\n",
                   static_cast<long long>(unwritable.load()));
    }
  }
}

std::shared_ptr<const DecodedImage> ImageStore::get(std::int64_t i) const {
  YOLO_CHECK(i >= 0 && i < size(), "image {} of {}", i, size());
  if (mode_ == CacheMode::ram) return ram_[i];
  return load(i);
}

std::shared_ptr<const DecodedImage> ImageStore::load(std::int64_t i) const {
  cv::Mat im;
  if (mode_ == CacheMode::disk) {
    const std::filesystem::path npy = npy_path(files_[i]);
    if (std::filesystem::exists(npy)) {
      try {
        im = read_npy_image(npy);
      } catch (const std::exception&) {
        std::error_code ignored;  // a corrupt cache entry: decode again
        std::filesystem::remove(npy, ignored);
      }
    }
  }
  if (im.empty()) im = decode(files_[i]);
  return std::make_shared<DecodedImage>(
      to_bgrx(im.data, im.cols, im.rows, static_cast<std::int64_t>(im.step), extents_[static_cast<std::size_t>(i)]));
}

DecodedImage to_bgrx(const std::uint8_t* bgr, std::int32_t width, std::int32_t height, std::int64_t step,
                     ImageExtent size) {
  const cv::Mat source(height, width, CV_8UC3, const_cast<std::uint8_t*>(bgr), static_cast<std::size_t>(step));
  cv::Mat scaled = source;
  if (width != size.width || height != size.height) {
    cv::resize(source, scaled, cv::Size(size.width, size.height), 0, 0, cv::INTER_LINEAR);
  }
  cv::Mat bgrx;
  cv::cvtColor(scaled, bgrx, cv::COLOR_BGR2BGRA);  // the fourth byte is unused
  DecodedImage out;
  out.width = bgrx.cols, out.height = bgrx.rows;
  out.pixels.resize(bgrx.total());
  for (int y = 0; y < bgrx.rows; ++y) {
    const auto* row = bgrx.ptr<std::uint32_t>(y);
    std::copy(row, row + bgrx.cols, out.pixels.begin() + static_cast<std::ptrdiff_t>(y) * bgrx.cols);
  }
  return out;
}

std::int64_t ImageStore::cached_bytes() const {
  std::int64_t bytes = 0;
  for (const auto& im : ram_) bytes += im ? static_cast<std::int64_t>(im->pixels.size() * sizeof(std::uint32_t)) : 0;
  return bytes;
}

}  // namespace yolo
