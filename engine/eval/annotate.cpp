#include "engine/eval/annotate.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/data/class_colours.h"

namespace yolo {
namespace {

cv::Scalar colour_of(std::int32_t cls) {
  const std::array<int, 3> c = class_colour_bgr(cls);
  return cv::Scalar(c[0], c[1], c[2]);
}

}  // namespace

void draw_detections(std::uint8_t* bgr, std::int32_t width, std::int32_t height, std::int64_t step,
                     std::span<const PredictedBox> detections, std::span<const std::string> names) {
  cv::Mat image(height, width, CV_8UC3, bgr, static_cast<std::size_t>(step));
  // ultralytics: line width max(round((h + w) / 2 * 0.003), 2), font scale lw / 3.
  const int lw = std::max(static_cast<int>(std::lround((height + width) / 2.0 * 0.003)), 2);
  const double font_scale = lw / 3.0;
  const int font_thickness = std::max(lw - 1, 1);
  for (const PredictedBox& d : detections) {
    const cv::Point p1(static_cast<int>(d.box.x1), static_cast<int>(d.box.y1));
    const cv::Point p2(static_cast<int>(d.box.x2), static_cast<int>(d.box.y2));
    const cv::Scalar colour = colour_of(d.cls);
    cv::rectangle(image, p1, p2, colour, lw, cv::LINE_AA);
    const bool named = d.cls >= 0 && d.cls < static_cast<std::int32_t>(names.size());
    const std::string text = fmt::format("{} {:.2f}", named ? names[d.cls] : std::to_string(d.cls), d.score);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, font_thickness, &baseline);
    // The label above the box, or inside it at the top edge of the image.
    const bool above = p1.y - size.height - 3 >= 0;
    const cv::Point corner(p1.x + size.width, above ? p1.y - size.height - 3 : p1.y + size.height + 3);
    cv::rectangle(image, p1, corner, colour, cv::FILLED, cv::LINE_AA);
    cv::putText(image, text, cv::Point(p1.x, above ? p1.y - 2 : p1.y + size.height + 2), cv::FONT_HERSHEY_SIMPLEX,
                font_scale, cv::Scalar(255, 255, 255), font_thickness, cv::LINE_AA);
  }
}

}  // namespace yolo
