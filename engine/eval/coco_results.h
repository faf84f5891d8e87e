#pragma once
// defines: CocoResults, detections in COCO's results format (what
// pycocotools' loadRes reads): one {"image_id", "category_id", "bbox":
// [x, y, w, h], "score"} per detection, image_id the file stem (a number
// when it is one, as ultralytics writes it).
#include <filesystem>
#include <span>
#include <string>

#include "engine/eval/box_matching.h"

namespace yolo {

class CocoResults {
 public:
  void add(const std::string& image_stem, std::span<const PredictedBox> detections);
  // The JSON list, written atomically (temporary file, then rename).
  void write(const std::filesystem::path& file) const;

 private:
  std::string rows_;
};

}  // namespace yolo
