#pragma once
// defines: EvalBox, PredictedBox, TargetBox, kIouThresholds, box_iou,
// box_iou_matrix and match_predictions: which of one image's predictions are
// true positives at each IoU threshold, by ultralytics 8.4's validator rule.
#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

namespace yolo {

// Corners (x1, y1) - (x2, y2), in any one pixel frame shared by predictions and targets.
struct EvalBox {
  float x1, y1, x2, y2;
};

// One detection after NMS.
struct PredictedBox {
  EvalBox box;
  float score;
  std::int32_t cls;
};

// One ground-truth object.
struct TargetBox {
  EvalBox box;
  std::int32_t cls;
};

// IoU thresholds 0.50:0.05:0.95 as f32: bit for bit torch.linspace(0.5, 0.95, 10),
// which ultralytics compares its f32 IoUs against.
inline constexpr std::size_t kNumIouThresholds = 10;
inline constexpr std::array<float, kNumIouThresholds> kIouThresholds = {0.50f, 0.55f, 0.60f, 0.65f, 0.70f,
                                                                        0.75f, 0.80f, 0.85f, 0.90f, 0.95f};

// correct[t]: the prediction is a true positive at kIouThresholds[t].
using CorrectAtThresholds = std::bitset<kNumIouThresholds>;

// IoU = inter / (area_a + area_b - inter + 1e-7), in f32 with ultralytics'
// box_iou's operation order, so threshold decisions agree with its bit for bit.
float box_iou(const EvalBox& a, const EvalBox& b);

// (targets, predictions) row-major: element [g * predictions.size() + p].
std::vector<float> box_iou_matrix(std::span<const TargetBox> targets, std::span<const PredictedBox> predictions);

// One image. Predictions are visited by descending score (a stable order,
// so NMS output, already in score order, is visited as given); at each
// threshold independently a prediction claims the unclaimed target of its
// own class with the highest IoU (the first of equal ones), and is correct
// if that IoU >= the threshold. This is ultralytics 8.4's
// BaseValidator.match_predictions (non-scipy path), which is COCO's rule
// too (COCO breaks IoU ties towards the last target). The result is in the
// order of `predictions`.
std::vector<CorrectAtThresholds> match_predictions(std::span<const PredictedBox> predictions,
                                                   std::span<const TargetBox> targets);

// Indices of `scores` by descending score, ties in index order.
std::vector<std::size_t> descending_score_order(std::span<const float> scores);

}  // namespace yolo
