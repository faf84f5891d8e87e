#include "engine/eval/coco_results.h"

#include <fmt/core.h>
#include <unistd.h>

#include <fstream>

#include "engine/core/error.h"

namespace yolo {

void CocoResults::add(const std::string& image_stem, std::span<const PredictedBox> detections) {
  const bool numeric = !image_stem.empty() && image_stem.size() < 18 &&
                       image_stem.find_first_not_of("0123456789") == std::string::npos;
  const std::string id = numeric ? std::to_string(std::stoll(image_stem)) : fmt::format("\"{}\"", image_stem);
  for (const PredictedBox& d : detections) {
    rows_ += fmt::format("{}{{\"image_id\": {}, \"category_id\": {}, \"bbox\": [{:.3f}, {:.3f}, {:.3f}, {:.3f}], "
                         "\"score\": {:.5f}}}",
                         rows_.empty() ? "\n" : ",\n", id, d.cls, d.box.x1, d.box.y1, d.box.x2 - d.box.x1,
                         d.box.y2 - d.box.y1, d.score);
  }
}

void CocoResults::write(const std::filesystem::path& file) const {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  const std::filesystem::path tmp = file.string() + fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << "[" << rows_ << "\n]\n";
    YOLO_CHECK(out.good(), "{}: cannot write", tmp.string());
  }
  std::filesystem::rename(tmp, file);
}

}  // namespace yolo
