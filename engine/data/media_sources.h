#pragma once
// defines: MediaSource and list_media_sources: what `--source` names, as
// ultralytics reads it: an image or video file, a folder (its images and
// videos, sorted), a glob pattern, or a .txt file listing any of those.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/diagnostics.h"

namespace yolo {

struct MediaSource {
  std::filesystem::path path;
  bool video = false;
};

// A name that matches nothing is a warning in diag; nothing at all is an error.
std::vector<MediaSource> list_media_sources(const std::string& source, Diagnostics& diag);

bool is_video_file(const std::filesystem::path& path);

}  // namespace yolo
