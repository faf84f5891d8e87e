#include "engine/data/plot_labels.h"


#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "engine/data/class_colours.h"
#include "engine/data/write_picture.h"

namespace yolo {
namespace {

constexpr int kPanel = 400;  // each of the four panels is kPanel x kPanel
constexpr std::size_t kMaxBoxes = 5000;  // drawn at most (ultralytics: 1000 boxes, all points)

cv::Scalar colour_of(std::int32_t cls) {
  const std::array<int, 3> c = class_colour_bgr(cls);
  return cv::Scalar(c[0], c[1], c[2]);
}

void title(cv::Mat& canvas, const cv::Rect& panel, const std::string& text) {
  cv::putText(canvas, text, {panel.x + 8, panel.y + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(40, 40, 40), 1,
              cv::LINE_AA);
}

// The plotting area of a panel: a margin for the title and the axes.
cv::Rect inner(const cv::Rect& panel) { return {panel.x + 30, panel.y + 28, panel.width - 44, panel.height - 48}; }

}  // namespace

void plot_labels(const std::filesystem::path& file, const std::vector<std::vector<LabelBox>>& labels,
                 const std::vector<std::string>& names) {
  cv::Mat canvas(2 * kPanel, 2 * kPanel, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar ink(40, 40, 40), frame(200, 200, 200);
  std::vector<LabelBox> boxes;
  std::vector<std::int64_t> per_class(std::max<std::size_t>(names.size(), 1), 0);
  for (const auto& image : labels) {
    for (const LabelBox& b : image) {
      if (boxes.size() < kMaxBoxes) boxes.push_back(b);
      if (b.cls >= 0 && static_cast<std::size_t>(b.cls) < per_class.size()) ++per_class[static_cast<std::size_t>(b.cls)];
    }
  }

  // Instances per class: one bar each, its count above it.
  const cv::Rect bars_panel(0, 0, kPanel, kPanel), bars = inner(bars_panel);
  title(canvas, bars_panel, "instances per class");
  cv::rectangle(canvas, bars, frame, 1);
  const std::int64_t most = std::max<std::int64_t>(1, *std::max_element(per_class.begin(), per_class.end()));
  const int n = static_cast<int>(per_class.size()), bar = std::max(1, bars.width / n);
  for (int c = 0; c < n; ++c) {
    const int h = static_cast<int>(static_cast<double>(per_class[static_cast<std::size_t>(c)]) / most * (bars.height - 14));
    const cv::Rect r(bars.x + c * bar + bar / 8, bars.y + bars.height - h, std::max(1, bar * 3 / 4), h);
    cv::rectangle(canvas, r, colour_of(c), cv::FILLED);
    if (n <= 30) {
      cv::putText(canvas, std::to_string(per_class[static_cast<std::size_t>(c)]), {r.x, r.y - 3},
                  cv::FONT_HERSHEY_SIMPLEX, 0.3, ink, 1, cv::LINE_AA);
      const std::string name = static_cast<std::size_t>(c) < names.size() ? names[static_cast<std::size_t>(c)] : "";
      cv::putText(canvas, name.substr(0, 8), {r.x, bars.y + bars.height + 12}, cv::FONT_HERSHEY_SIMPLEX, 0.3, ink, 1,
                  cv::LINE_AA);
    }
  }

  // Box centres (x right, y down, as in the image) and widths against heights.
  const cv::Rect centre_panel(kPanel, 0, kPanel, kPanel), centres = inner(centre_panel);
  const cv::Rect size_panel(kPanel, kPanel, kPanel, kPanel), sizes = inner(size_panel);
  title(canvas, centre_panel, "box centres (x, y)");
  title(canvas, size_panel, "box width (x) and height (y)");
  cv::rectangle(canvas, centres, frame, 1);
  cv::rectangle(canvas, sizes, frame, 1);
  for (const LabelBox& b : boxes) {
    const cv::Scalar colour = colour_of(b.cls);
    cv::circle(canvas, {centres.x + static_cast<int>(b.xc * centres.width), centres.y + static_cast<int>(b.yc * centres.height)},
               2, colour, cv::FILLED);
    cv::circle(canvas, {sizes.x + static_cast<int>(b.w * sizes.width), sizes.y + sizes.height - static_cast<int>(b.h * sizes.height)},
               2, colour, cv::FILLED);
  }

  // The boxes themselves, all centred: their shapes and sizes at a glance.
  const cv::Rect overlay_panel(0, kPanel, kPanel, kPanel), overlay = inner(overlay_panel);
  title(canvas, overlay_panel, "boxes, centred");
  cv::rectangle(canvas, overlay, frame, 1);
  const cv::Point middle(overlay.x + overlay.width / 2, overlay.y + overlay.height / 2);
  for (std::size_t i = 0; i < std::min<std::size_t>(boxes.size(), 1000); ++i) {
    const LabelBox& b = boxes[i];
    const cv::Point half(static_cast<int>(b.w * overlay.width / 2), static_cast<int>(b.h * overlay.height / 2));
    cv::rectangle(canvas, middle - half, middle + half, colour_of(b.cls), 1);
  }

  write_picture(file, canvas.data, canvas.cols, canvas.rows, "labels picture");
}

}  // namespace yolo
