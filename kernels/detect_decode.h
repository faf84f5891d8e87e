#pragma once
// defines: DetectDecodeKernel, the inference output of YOLOv8's Detect head
// for one pyramid level: boxes (cx, cy, w, h) in pixels from the DFL
// distances, and class probabilities.
#include <cstdint>

#include "kernels/dfl.h"
#include "kernels/math.h"
#include "kernels/numeric.h"

namespace yolo {

struct DetectLevel {
  std::int64_t batch, height, width;  // the level's grid
  std::int64_t anchors_total;         // anchors over all levels (rows of out per image)
  std::int64_t anchor_offset;         // this level's first anchor
  float stride;
  int reg_max, nc;
};

// x (B, H, W, 4*reg_max + nc) -> out[b, offset + h*W + w, c] for c < 4 + nc:
//   d_s = sum_i i * softmax(box side s)_i,  anchor (ax, ay) = (w + 0.5, h + 0.5)
//   x1 = ax - d_0, x2 = ax + d_2, y1 = ay - d_1, y2 = ay + d_3
//   c 0..3: ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1) * stride
//   c >= 4: sigmoid(class logit c - 4)
// (ultralytics' DFL, dist2bbox(xywh=True) and * strides, in that order)
template <class T>
struct DetectDecodeKernel {
  const T* x;
  DetectLevel level;
  T* out;

  YOLO_HD float side(const T* bins, int s) const { return dfl_softmax(bins + s * level.reg_max, level.reg_max).mean; }

  YOLO_HD void operator()(std::int64_t r, std::int64_t c) const {
    const std::int64_t channels = 4 * level.reg_max + level.nc;
    const T* row = x + r * channels;
    const std::int64_t w = r % level.width, h = (r / level.width) % level.height, b = r / (level.width * level.height);
    T* o = out + (b * level.anchors_total + level.anchor_offset + h * level.width + w) * (4 + level.nc);
    if (c >= 4) {
      o[c] = convert<T>(sigmoid(to_float(row[4 * level.reg_max + c - 4])));
      return;
    }
    const int axis = static_cast<int>(c % 2);  // 0: x, 1: y
    const float a = static_cast<float>(axis == 0 ? w : h) + 0.5f;
    const float lo = a - side(row, axis), hi = a + side(row, axis + 2);
    o[c] = convert<T>((c < 2 ? (lo + hi) / 2.0f : hi - lo) * level.stride);
  }
};

}  // namespace yolo
