#pragma once
// defines: draw_detections, the boxes of a prediction drawn on its image
// with "name score" labels, legible at any size (line width and font from
// the image size, as ultralytics' Annotator).
#include <cstdint>
#include <span>
#include <string>

#include "engine/eval/box_matching.h"

namespace yolo {

// bgr: the image, `step` bytes per row, modified in place.
void draw_detections(std::uint8_t* bgr, std::int32_t width, std::int32_t height, std::int64_t step,
                     std::span<const PredictedBox> detections, std::span<const std::string> names);

}  // namespace yolo
