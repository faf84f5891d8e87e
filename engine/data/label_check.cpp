#include "engine/data/label_check.h"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <thread>

#include "engine/core/error.h"
#include "engine/core/for_each_index.h"
#include "engine/data/data_config.h"
#include "engine/data/label_cache.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

constexpr int kMinImageSide = 10;    // ultralytics: "image size <10 pixels"
constexpr float kTolerance = 0.01f;  // ultralytics 8.4: coordinates in [-0.01, 1.01]

enum class LabelStatus { found, missing, empty, corrupt };

struct ImageResult {
  LabelStatus status = LabelStatus::corrupt;
  CheckedImage item;
  std::vector<std::string> warnings;  // without the split prefix
  int duplicates = 0;
};

// One parsed row before the duplicate check: the box, and the values that
// identify the row (the box for box rows; class and points for polygons).
struct Row {
  LabelBox box;
  std::vector<float> key;
  int line = 0;
};

std::string read_file(const fs::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = in.good();
  if (!ok) return {};
  std::ostringstream s;
  s << in.rdbuf();
  ok = !in.bad();
  return s.str();
}

// The first bytes and the last two: a JPEG starts FF D8 FF and ends with the
// end-of-image marker FF D9 (ultralytics' corrupt-JPEG test).
std::string check_jpeg_end(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return "cannot open the image";
  unsigned char head[3] = {0, 0, 0}, tail[2] = {0, 0};
  in.read(reinterpret_cast<char*>(head), 3);
  if (in.gcount() < 3) return "image file too short";
  if (!(head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)) return "";  // not a JPEG
  in.seekg(-2, std::ios::end);
  in.read(reinterpret_cast<char*>(tail), 2);
  if (in.gcount() != 2 || !(tail[0] == 0xFF && tail[1] == 0xD9)) return "truncated JPEG (no end-of-image marker FF D9)";
  return "";
}

// Splits on blanks; strict finite float (std::from_chars rejects "1.0x" and
// "", and "nan"/"inf" are refused here). A leading '+' is allowed as Python's
// float() allows it.
bool parse_float(std::string_view token, float& out) {
  if (token.starts_with('+')) {
    token.remove_prefix(1);
    if (token.starts_with('+') || token.starts_with('-')) return false;
  }
  const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
  return r.ec == std::errc() && r.ptr == token.data() + token.size() && std::isfinite(out);
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; };
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !blank(line[j])) ++j;
    if (j > i) tokens.push_back(line.substr(i, j - i));
    i = j;
  }
  return tokens;
}

// Parses and checks the label text; "" or why the image must be dropped
// (prefixed "file:line: ").
std::string parse_rows(const std::string& text, const std::string& label, int nc, std::vector<Row>& rows) {
  std::string_view body(text);
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);  // utf-8-sig, as ultralytics reads labels
  struct Raw {
    std::vector<std::string_view> tokens;
    int line;
  };
  std::vector<Raw> raw;
  int line_no = 0;
  for (std::size_t start = 0; start <= body.size();) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    ++line_no;
    auto tokens = split_blanks(body.substr(start, end - start));
    if (!tokens.empty()) raw.push_back({std::move(tokens), line_no});
    start = end + 1;
  }
  // ultralytics: any row longer than 6 columns makes the file a polygon file,
  // where a 5-column row is an error.
  const bool polygons = std::any_of(raw.begin(), raw.end(), [](const Raw& r) { return r.tokens.size() > 6; });
  for (const Raw& r : raw) {
    const std::string at = fmt::format("{}:{}", label, r.line);
    const std::size_t n = r.tokens.size();
    if (polygons && n == 5) return fmt::format("{}: a box row in a polygon label file (rows must not mix)", at);
    if (polygons ? (n < 7 || n % 2 == 0) : n != 5)
      return fmt::format("{}: {} columns; expected 5 (class xc yc w h) or a polygon (class x1 y1 x2 y2 x3 y3 ...)", at,
                         n);
    std::vector<float> values(n);
    for (std::size_t k = 0; k < n; ++k)
      if (!parse_float(r.tokens[k], values[k]))
        return fmt::format("{}: '{}' is not a finite number (column {})", at, r.tokens[k], k + 1);
    const float cls = values[0];
    if (cls != std::floor(cls) || cls < 0 || cls >= static_cast<float>(nc))
      return fmt::format("{}: class {} is not an integer in [0, {})", at, r.tokens[0], nc);
    Row row;
    row.line = r.line;
    row.box.cls = static_cast<int>(cls);
    if (polygons) {  // ultralytics' segments2boxes, in float32 as it computes
      float x0 = values[1], x1 = values[1], y0 = values[2], y1 = values[2];
      for (std::size_t k = 1; k + 1 < n; k += 2) {
        x0 = std::min(x0, values[k]), x1 = std::max(x1, values[k]);
        y0 = std::min(y0, values[k + 1]), y1 = std::max(y1, values[k + 1]);
      }
      row.box = {row.box.cls, (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0};
    } else {
      row.box = {row.box.cls, values[1], values[2], values[3], values[4]};
    }
    const LabelBox& b = row.box;
    for (float v : {b.xc, b.yc, b.w, b.h})
      if (v > 1.0f + kTolerance)
        return fmt::format("{}: coordinate {} outside [0, 1] (non-normalised or out of bounds)", at, v);
    for (float v : {b.xc, b.yc})
      if (v < -kTolerance) return fmt::format("{}: negative coordinate {}", at, v);
    for (float v : {b.w, b.h})
      if (v < 0) return fmt::format("{}: negative size {}", at, v);
    row.key = std::move(values);
    if (!polygons) row.key = {cls, b.xc, b.yc, b.w, b.h};
    rows.push_back(std::move(row));
  }
  return "";
}

ImageResult check_one(const fs::path& image, int nc) {
  ImageResult res;
  res.item.image = image;
  const std::string im = image.string();
  auto corrupt = [&](std::string why) {
    res.status = LabelStatus::corrupt;
    res.warnings.push_back(std::move(why));
    return res;
  };
  try {
    std::error_code ec;
    if (!fs::is_regular_file(image, ec)) return corrupt(fmt::format("{}: image not found; dropped", im));
    if (std::string why = check_jpeg_end(image); !why.empty()) return corrupt(fmt::format("{}: {}; dropped", im, why));
    const cv::Mat mat = cv::imread(im, cv::IMREAD_COLOR);  // applies EXIF orientation
    if (mat.empty()) return corrupt(fmt::format("{}: cannot decode the image (corrupt or not an image); dropped", im));
    res.item.width = mat.cols;
    res.item.height = mat.rows;
    if (mat.cols < kMinImageSide || mat.rows < kMinImageSide)
      return corrupt(
          fmt::format("{}: image size {}x{} is under {} pixels; dropped", im, mat.cols, mat.rows, kMinImageSide));

    const fs::path label_path = label_path_for(image);
    const std::string label = label_path.string();
    if (!fs::exists(label_path, ec)) {
      res.status = LabelStatus::missing;
      return res;
    }
    bool ok = false;
    const std::string text = read_file(label_path, ok);
    if (!ok) return corrupt(fmt::format("{}: cannot read the label file; image {} dropped", label, im));
    std::vector<Row> rows;
    if (std::string why = parse_rows(text, label, nc, rows); !why.empty())
      return corrupt(fmt::format("{}; image {} dropped", why, im));
    if (rows.empty()) {
      res.status = LabelStatus::empty;
      return res;
    }
    std::map<std::vector<float>, int> first_line;  // row key -> line of its first occurrence
    for (Row& row : rows) {
      const auto [it, inserted] = first_line.emplace(row.key, row.line);
      if (!inserted) {
        ++res.duplicates;
        res.warnings.push_back(fmt::format("{}:{}: duplicate of line {}, removed", label, row.line, it->second));
        continue;
      }
      res.item.boxes.push_back(row.box);
    }
    res.status = LabelStatus::found;
    return res;
  } catch (const std::exception& e) {  // cv::Exception from a hostile file, bad_alloc, filesystem errors
    res.warnings.clear();
    res.item.boxes.clear();
    return corrupt(fmt::format("{}: {}; dropped", im, e.what()));
  }
}

// Checks every image on a few threads; results in input order.
std::vector<ImageResult> check_all(const std::vector<fs::path>& images, int nc, int threads) {
  std::vector<ImageResult> results(images.size());
  if (threads <= 0) threads = static_cast<int>(std::min(8u, std::max(1u, std::thread::hardware_concurrency())));
  for_each_index(static_cast<std::int64_t>(images.size()), threads,
                 [&](std::int64_t i) { results[static_cast<std::size_t>(i)] = check_one(images[static_cast<std::size_t>(i)], nc); });
  return results;
}

LabelCache run_checks(const std::vector<fs::path>& images, int nc, int threads) {
  LabelCache out;
  out.report.images = static_cast<int>(images.size());
  for (ImageResult& r : check_all(images, nc, threads)) {
    int& counter = r.status == LabelStatus::found     ? out.report.found
                   : r.status == LabelStatus::missing ? out.report.missing
                   : r.status == LabelStatus::empty   ? out.report.empty
                                                      : out.report.corrupt;
    ++counter;
    out.report.duplicates_removed += r.duplicates;
    for (std::string& w : r.warnings) out.messages.push_back(std::move(w));
    if (r.status != LabelStatus::corrupt) out.images.push_back(std::move(r.item));
  }
  return out;
}

}  // namespace

std::string split_summary(const std::string& split_name, const SplitReport& r, int min_items, bool from_cache) {
  std::string s = fmt::format("{}: {} images, {} found, {} missing, {} empty, {} corrupt, {} duplicate labels removed",
                              split_name, r.images, r.found, r.missing, r.empty, r.corrupt, r.duplicates_removed);
  if (min_items > 0) s += fmt::format(", {} dropped with fewer than {} labels", r.dropped_min_items, min_items);
  if (from_cache) s += " (from cache)";
  return s;
}

CheckedSplit check_split(const std::vector<fs::path>& images, const LabelCheckOptions& opts, Diagnostics& diag) {
  const std::string& name = opts.split_name;
  YOLO_CHECK(opts.nc > 0, "{}: the class count nc must be positive, got {}", name, opts.nc);
  YOLO_CHECK(!images.empty(), "{}: no images to check", name);
  CheckedSplit out;
  out.cache_path = label_cache_path(images);
  const std::string hash = opts.use_cache ? label_cache_hash(images, opts.nc) : "";
  std::optional<LabelCache> checked;
  if (opts.use_cache) checked = read_label_cache(out.cache_path, images, hash);
  out.from_cache = checked.has_value();
  if (!checked) {
    checked = run_checks(images, opts.nc, opts.threads);
    checked->hash = hash;
  }
  for (const std::string& m : checked->messages) diag.warn(fmt::format("{}: {}", name, m));
  if (opts.use_cache && !out.from_cache && !checked->images.empty()) {
    if (std::string why = write_label_cache(out.cache_path, images, *checked); !why.empty())
      diag.warn(fmt::format("{}: labels cache not saved ({}): is {} writable?", name, why,
                            out.cache_path.parent_path().string()));
  }
  out.report = checked->report;
  if (out.report.found == 0)
    diag.warn(fmt::format("{}: no labels found (every image is a background); labels are looked for at {}", name,
                          label_path_for(images.front()).parent_path().string()));

  for (CheckedImage& c : checked->images) {
    if (static_cast<int>(c.boxes.size()) < opts.min_items)
      ++out.report.dropped_min_items;
    else
      out.images.push_back(std::move(c));
  }
  diag.flush();
  diag.info(split_summary(name, out.report, opts.min_items, out.from_cache));

  if (out.images.empty()) {
    const std::vector<std::string>& messages = checked->messages;
    std::string first;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, messages.size()); ++i) first += "\n  " + messages[i];
    YOLO_FAIL("{}: no usable image{}{}", split_summary(name, out.report, opts.min_items, out.from_cache),
              first.empty() ? "" : "; first problems:", first);
  }
  return out;
}

}  // namespace yolo
