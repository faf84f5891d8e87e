#include "engine/train/plot_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/data/write_picture.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

// One chart: the values against their epochs, min and max written at the
// left, the first and last epoch below.
void draw_chart(cv::Mat& canvas, const cv::Rect& area, const std::string& title, const std::vector<double>& epochs,
                const std::vector<double>& values) {
  const cv::Scalar ink(40, 40, 40), line(190, 110, 30), grid(225, 225, 225);
  cv::putText(canvas, title, {area.x + 8, area.y + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.45, ink, 1, cv::LINE_AA);
  const cv::Rect plot(area.x + 48, area.y + 28, area.width - 60, area.height - 52);
  cv::rectangle(canvas, plot, grid, 1);
  if (values.empty()) return;
  const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
  double lo = *lo_it, hi = *hi_it;
  if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;  // a flat line sits in the middle
  const double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  const double e0 = epochs.front(), e1 = std::max(epochs.back(), e0 + 1);
  std::vector<cv::Point> points;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double fx = (epochs[i] - e0) / (e1 - e0), fy = (values[i] - lo) / (hi - lo);
    points.emplace_back(plot.x + static_cast<int>(fx * plot.width), plot.y + plot.height - static_cast<int>(fy * plot.height));
  }
  cv::polylines(canvas, points, false, line, 2, cv::LINE_AA);
  for (const cv::Point& p : points) cv::circle(canvas, p, 2, line, cv::FILLED, cv::LINE_AA);
  const auto label = [&](const std::string& text, cv::Point at) {
    cv::putText(canvas, text, at, cv::FONT_HERSHEY_SIMPLEX, 0.32, ink, 1, cv::LINE_AA);
  };
  label(fmt::format("{:.4g}", hi - pad), {area.x + 4, plot.y + 8});
  label(fmt::format("{:.4g}", lo + pad), {area.x + 4, plot.y + plot.height});
  label(fmt::format("{:g}", e0), {plot.x, plot.y + plot.height + 14});
  label(fmt::format("{:g}", epochs.back()), {plot.x + plot.width - 16, plot.y + plot.height + 14});
}

}  // namespace

void plot_results(const fs::path& run) {
  std::ifstream in(run / "results.csv");
  std::string header_line;
  if (!std::getline(in, header_line)) return;
  const std::vector<std::string> header = split_csv(header_line);
  std::vector<std::vector<double>> columns(header.size());
  for (std::string line; std::getline(in, line);) {
    const std::vector<std::string> cells = split_csv(line);
    if (cells.size() != header.size()) continue;  // a row cut short by a crash
    std::vector<double> row;
    try {
      for (const std::string& cell : cells) row.push_back(std::stod(cell));
    } catch (const std::exception&) {
      continue;  // not numbers: not a row of ours
    }
    for (std::size_t c = 0; c < row.size(); ++c) columns[c].push_back(row[c]);
  }
  if (columns.empty() || columns[0].empty()) return;
  // ultralytics' layout: the training losses, P and R on top; the
  // validation losses, mAP50 and mAP50-95 below.
  const char* charts[] = {"train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/precision(B)",
                          "metrics/recall(B)", "val/box_loss", "val/cls_loss", "val/dfl_loss", "metrics/mAP50(B)",
                          "metrics/mAP50-95(B)"};
  constexpr int kWidth = 300, kHeight = 220;
  cv::Mat canvas(2 * kHeight, 5 * kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int k = 0; k < 10; ++k) {
    const auto found = std::find(header.begin(), header.end(), charts[k]);
    const std::vector<double> values =
        found == header.end() ? std::vector<double>{} : columns[static_cast<std::size_t>(found - header.begin())];
    draw_chart(canvas, cv::Rect((k % 5) * kWidth, (k / 5) * kHeight, kWidth, kHeight), charts[k], columns[0], values);
  }
  write_picture(run / "results.png", canvas.data, canvas.cols, canvas.rows, "results plot");
}

}  // namespace yolo
