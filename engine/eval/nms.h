#pragma once
// defines: NmsOptions and non_max_suppression, ultralytics'
// non_max_suppression as device kernels, batched over images.
#include <cstdint>
#include <vector>

#include "engine/core/context.h"

namespace yolo {

// Defaults as ultralytics' prediction; validation uses conf 0.001
// (NmsOptions::validation()).
struct NmsOptions {
  float conf = 0.25f;        // keep scores > conf
  float iou = 0.7f;          // suppress IoU > iou
  std::int32_t max_det = 300;
  std::int32_t max_nms = 30000;  // candidates per image entering the suppression
  bool multi_label = false;      // every class above conf, not only the best
  bool agnostic = false;         // suppress across classes
  std::vector<std::int32_t> classes;  // keep only these (empty: all)

  // As ultralytics' (and YOLOv5/YOLOv9's) val: every class above conf is a
  // candidate of its own (multi-label), which the mAP counts on.
  static NmsOptions validation() {
    NmsOptions o;
    o.conf = 0.001f;
    o.multi_label = true;
    return o;
  }
};

// On ctx's device: boxes (B, max_det, 4) xyxy in the prediction's pixels,
// scores (B, max_det), classes (B, max_det) i32, counts (B) i32; rows past
// an image's count are zeros. In each image the detections are in score
// order.
struct Detections {
  Tensor boxes, scores, classes, counts;
};

// prediction (B, A, 4 + nc) f32: Detect's eval output, (cx, cy, w, h) and
// class scores. Per image: candidates above conf (best class, or each class
// with multi_label), the max_nms best, greedy suppression within a class
// (ultralytics offsets boxes by class * 7680 px to the same effect), the
// first max_det kept.
Detections non_max_suppression(const Context& ctx, const Tensor& prediction, const NmsOptions& options);

// The two schedules of the suppression (kernels/nms.h), the same result:
// every pair's IoU in parallel then a greedy pass over bits (bitmask: the
// GPU's), or a greedy pass computing IoUs as it goes (greedy: the CPU's).
// non_max_suppression picks by device; tests run both on the CPU.
enum class NmsSchedule { bitmask, greedy };
Detections non_max_suppression(const Context& ctx, const Tensor& prediction, const NmsOptions& options,
                               NmsSchedule schedule);

}  // namespace yolo
