#pragma once
// defines: plot_labels, labels.jpg of a training run (ultralytics'
// plot_labels): instances per class, where the box centres lie, the boxes'
// widths against heights, and the boxes themselves overlaid at the centre:
// a glance at what the dataset holds.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/label_box.h"

namespace yolo {

// labels[i]: image i's boxes (normalised xywh). Written as JPEG (temp file,
// then renamed).
void plot_labels(const std::filesystem::path& file, const std::vector<std::vector<LabelBox>>& labels,
                 const std::vector<std::string>& names);

}  // namespace yolo
