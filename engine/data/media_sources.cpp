#include "engine/data/media_sources.h"

#include <glob.h>

#include <algorithm>
#include <fstream>

#include "engine/core/error.h"
#include "engine/data/data_config.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

std::string lower_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

void add_file(const fs::path& p, std::vector<MediaSource>& out, Diagnostics& diag) {
  if (is_image_file(p)) {
    out.push_back({p, false});
  } else if (is_video_file(p)) {
    out.push_back({p, true});
  } else {
    diag.warn(fmt::format("{}: not an image or video file, skipped", p.string()));
  }
}

void add_name(const std::string& name, const fs::path& base, std::vector<MediaSource>& out, Diagnostics& diag,
              int depth);

void add_list(const fs::path& list, std::vector<MediaSource>& out, Diagnostics& diag, int depth) {
  std::ifstream in(list);
  std::string line;
  while (std::getline(in, line)) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty()) add_name(line, list.parent_path(), out, diag, depth + 1);
  }
}

void add_name(const std::string& name, const fs::path& base, std::vector<MediaSource>& out, Diagnostics& diag,
              int depth) {
  YOLO_CHECK(depth < 8, "{}: .txt source lists nest too deeply", name);
  fs::path p(name);
  if (p.is_relative() && !base.empty() && !fs::exists(p)) p = base / p;
  if (name.find_first_of("*?[") != std::string::npos) {
    glob_t matches{};
    if (::glob(name.c_str(), 0, nullptr, &matches) == 0) {
      std::vector<fs::path> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      std::sort(found.begin(), found.end());
      for (const fs::path& f : found) {
        if (fs::is_regular_file(f)) add_file(f, out, diag);
      }
    } else {
      diag.warn(fmt::format("{}: the pattern matches nothing", name));
    }
    ::globfree(&matches);
  } else if (fs::is_directory(p)) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(p)) {
      if (entry.is_regular_file() && (is_image_file(entry.path()) || is_video_file(entry.path()))) {
        found.push_back(entry.path());
      }
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& f : found) add_file(f, out, diag);
  } else if (fs::is_regular_file(p) && lower_extension(p) == ".txt") {
    add_list(p, out, diag, depth);
  } else if (fs::is_regular_file(p)) {
    add_file(p, out, diag);
  } else {
    diag.warn(fmt::format("{}: no such file or folder", p.string()));
  }
}

}  // namespace

bool is_video_file(const fs::path& path) {
  static constexpr const char* kVideo[] = {".mp4", ".avi", ".mov", ".mkv", ".mpeg", ".mpg", ".m4v", ".wmv", ".webm"};
  const std::string e = lower_extension(path);
  return std::any_of(std::begin(kVideo), std::end(kVideo), [&](const char* v) { return e == v; });
}

std::vector<MediaSource> list_media_sources(const std::string& source, Diagnostics& diag) {
  std::vector<MediaSource> out;
  add_name(source, {}, out, diag, 0);
  YOLO_CHECK(!out.empty(), "--source {}: no image or video found", source);
  return out;
}

}  // namespace yolo
