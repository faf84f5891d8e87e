#include "engine/data/plot_batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/core/error.h"
#include "engine/data/class_colours.h"
#include "engine/data/write_picture.h"

namespace yolo {
namespace {

cv::Scalar class_colour(std::int32_t cls) {
  const std::array<int, 3> c = class_colour_bgr(cls);
  return cv::Scalar(c[0], c[1], c[2]);
}

// Image b of the batch as 8-bit BGR.
cv::Mat to_bgr8(const Tensor& images, std::int64_t b) {
  const int h = static_cast<int>(images.dim(1)), w = static_cast<int>(images.dim(2));
  const float* src = images.data<float>() + b * h * w * 3;
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    auto* row = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        const float v = src[(static_cast<std::int64_t>(y) * w + x) * 3 + (2 - c)] * 255.0f;
        row[x * 3 + c] = static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
      }
    }
  }
  return out;
}

}  // namespace

void plot_batch(const std::filesystem::path& file, const Tensor& images,
                const std::vector<std::vector<PixelBox>>& labels, const std::vector<std::string>& names,
                int max_images, const std::vector<std::vector<float>>* scores) {
  YOLO_CHECK(images.defined() && images.device().is_cpu() && images.ndim() == 4 && images.dim(3) == 3,
             "plot_batch: images must be a host (B, H, W, 3) tensor, got {}", images.str());
  const auto n = static_cast<int>(std::min<std::int64_t>(images.dim(0), max_images));
  YOLO_CHECK(n > 0 && labels.size() >= static_cast<std::size_t>(n), "plot_batch: {} images, {} label lists", n,
             labels.size());
  const int h = static_cast<int>(images.dim(1)), w = static_cast<int>(images.dim(2));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int rows = (n + cols - 1) / cols;
  const double scale = std::min(1.0, 1920.0 / (cols * w));
  const int tw = std::max(1, static_cast<int>(w * scale)), th = std::max(1, static_cast<int>(h * scale));
  cv::Mat grid(rows * th, cols * tw, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int b = 0; b < n; ++b) {
    cv::Mat tile;
    cv::resize(to_bgr8(images, b), tile, cv::Size(tw, th), 0, 0, cv::INTER_AREA);
    for (std::size_t j = 0; j < labels[b].size(); ++j) {
      const PixelBox& box = labels[b][j];
      const cv::Point p1(static_cast<int>(box.x1 * scale), static_cast<int>(box.y1 * scale));
      const cv::Point p2(static_cast<int>(box.x2 * scale), static_cast<int>(box.y2 * scale));
      const cv::Scalar colour = class_colour(box.cls);
      cv::rectangle(tile, p1, p2, colour, 1);
      const bool named = box.cls >= 0 && box.cls < static_cast<int>(names.size());
      std::string text = named ? names[box.cls] : std::to_string(box.cls);
      if (scores) text += fmt::format(" {:.2f}", (*scores)[b][j]);
      cv::putText(tile, text, p1 + cv::Point(2, 10), cv::FONT_HERSHEY_SIMPLEX, 0.35, colour, 1, cv::LINE_AA);
    }
    const cv::Rect at((b % cols) * tw, (b / cols) * th, tw, th);
    tile.copyTo(grid(at));
    cv::rectangle(grid, at, cv::Scalar(255, 255, 255), 2);
  }
  write_picture(file, grid.data, grid.cols, grid.rows, "batch picture");
}

}  // namespace yolo
