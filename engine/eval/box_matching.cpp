// defines: box_iou, box_iou_matrix, match_predictions, descending_score_order.
#include "engine/eval/box_matching.h"

#include <algorithm>
#include <numeric>

namespace yolo {

float box_iou(const EvalBox& a, const EvalBox& b) {
  // torch: wh = (min(a2, b2) - max(a1, b1)).clamp(0); inter = w * h;
  // iou = inter / (area1 + area2 - inter + eps), every step rounded to f32.
  const float w = std::max(std::min(a.x2, b.x2) - std::max(a.x1, b.x1), 0.0f);
  const float h = std::max(std::min(a.y2, b.y2) - std::max(a.y1, b.y1), 0.0f);
  const float inter = w * h;
  const float area_a = (a.x2 - a.x1) * (a.y2 - a.y1);
  const float area_b = (b.x2 - b.x1) * (b.y2 - b.y1);
  return inter / (area_a + area_b - inter + 1e-7f);
}

std::vector<float> box_iou_matrix(std::span<const TargetBox> targets, std::span<const PredictedBox> predictions) {
  std::vector<float> iou(targets.size() * predictions.size());
  for (std::size_t g = 0; g < targets.size(); ++g) {
    for (std::size_t p = 0; p < predictions.size(); ++p) {
      iou[g * predictions.size() + p] = box_iou(targets[g].box, predictions[p].box);
    }
  }
  return iou;
}

std::vector<std::size_t> descending_score_order(std::span<const float> scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

std::vector<CorrectAtThresholds> match_predictions(std::span<const PredictedBox> predictions,
                                                   std::span<const TargetBox> targets) {
  const std::size_t np = predictions.size(), ng = targets.size();
  std::vector<CorrectAtThresholds> correct(np);
  if (np == 0 || ng == 0) return correct;
  const std::vector<float> iou = box_iou_matrix(targets, predictions);
  std::vector<float> scores(np);
  for (std::size_t p = 0; p < np; ++p) scores[p] = predictions[p].score;
  std::vector<CorrectAtThresholds> claimed(ng);  // claimed[g][t]: target g is taken at threshold t
  for (const std::size_t p : descending_score_order(scores)) {
    for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
      // argmax over targets of the available IoU (0 if claimed or of another
      // class), first index on ties, as numpy's argmax.
      std::size_t best = 0;
      float best_iou = -1.0f;
      for (std::size_t g = 0; g < ng; ++g) {
        const bool available = !claimed[g][t] && targets[g].cls == predictions[p].cls;
        const float value = available ? iou[g * np + p] : 0.0f;
        if (value > best_iou) best = g, best_iou = value;
      }
      if (best_iou >= kIouThresholds[t]) {
        correct[p][t] = true;
        claimed[best][t] = true;
      }
    }
  }
  return correct;
}

}  // namespace yolo
