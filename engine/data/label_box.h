#pragma once
// defines: LabelBox (one row of a YOLO label file) and PixelBox (a box in
// the pixels of a training image, as the augmentation emits it).
#include <cstdint>

namespace yolo {

// `cls xc yc w h`, the centre and size normalised to the image's width and height.
struct LabelBox {
  std::int32_t cls;
  float xc, yc, w, h;
};

// Corners (x1, y1) - (x2, y2) in the pixels of the image it belongs to.
struct PixelBox {
  std::int32_t cls;
  float x1, y1, x2, y2;
};

}  // namespace yolo
