// defines: ConfusionMatrix.
#include "engine/eval/confusion_matrix.h"

#include <algorithm>

#include "engine/core/error.h"

namespace yolo {

ConfusionMatrix::ConfusionMatrix(std::int32_t num_classes, float conf, float iou)
    : num_classes_(num_classes),
      conf_(conf),
      iou_(iou),
      counts_(static_cast<std::size_t>(num_classes + 1) * static_cast<std::size_t>(num_classes + 1), 0) {
  YOLO_CHECK(num_classes >= 1, "confusion matrix: {} classes", num_classes);
}

void ConfusionMatrix::add(std::int32_t predicted, std::int32_t truth) {
  YOLO_CHECK(predicted >= 0 && predicted <= num_classes_ && truth >= 0 && truth <= num_classes_,
             "confusion matrix: class {} or {} outside [0, {})", predicted, truth, num_classes_);
  ++counts_[static_cast<std::size_t>(predicted) * static_cast<std::size_t>(num_classes_ + 1) +
            static_cast<std::size_t>(truth)];
}

void ConfusionMatrix::add_image(std::span<const PredictedBox> predictions, std::span<const TargetBox> targets) {
  const std::int32_t background = num_classes_;
  for (const TargetBox& t : targets) {
    YOLO_CHECK(t.cls >= 0 && t.cls < num_classes_, "confusion matrix: target class {} outside [0, {})", t.cls,
               num_classes_);
  }
  if (predictions.empty()) {
    for (const TargetBox& t : targets) add(background, t.cls);
    return;
  }
  std::vector<PredictedBox> kept;
  for (const PredictedBox& p : predictions) {
    YOLO_CHECK(p.cls >= 0 && p.cls < num_classes_, "confusion matrix: predicted class {} outside [0, {})", p.cls,
               num_classes_);
    if (p.score > conf_) kept.push_back(p);
  }
  const std::size_t nd = kept.size(), ng = targets.size();
  std::vector<float> iou = box_iou_matrix(targets, kept);  // (targets, kept)
  std::vector<float> scores;
  std::vector<std::size_t> candidates;  // overlap some target by more than iou_
  for (std::size_t d = 0; d < nd; ++d) {
    bool overlaps = false;
    for (std::size_t g = 0; g < ng; ++g) overlaps |= iou[g * nd + d] > iou_;
    if (overlaps) candidates.push_back(d), scores.push_back(kept[d].score);
  }
  std::vector<std::ptrdiff_t> target_match(ng, -1), kept_matched(nd, 0);
  for (const std::size_t c : descending_score_order(scores)) {
    const std::size_t d = candidates[c];
    std::size_t best = 0;  // argmax over targets, the first of equal ones; taken targets read 0
    for (std::size_t g = 1; g < ng; ++g) {
      if (iou[g * nd + d] > iou[best * nd + d]) best = g;
    }
    if (iou[best * nd + d] > iou_) {
      target_match[best] = static_cast<std::ptrdiff_t>(d);
      kept_matched[d] = 1;
      std::fill_n(iou.begin() + static_cast<std::ptrdiff_t>(best * nd), nd, 0.0f);
    }
  }
  for (std::size_t g = 0; g < ng; ++g) {
    add(target_match[g] >= 0 ? kept[static_cast<std::size_t>(target_match[g])].cls : background, targets[g].cls);
  }
  for (std::size_t d = 0; d < nd; ++d) {
    if (!kept_matched[d]) add(kept[d].cls, background);
  }
}

std::int64_t ConfusionMatrix::at(std::int32_t predicted, std::int32_t truth) const {
  YOLO_CHECK(predicted >= 0 && predicted <= num_classes_ && truth >= 0 && truth <= num_classes_,
             "confusion matrix: index ({}, {}) outside {} x {}", predicted, truth, num_classes_ + 1, num_classes_ + 1);
  return counts_[static_cast<std::size_t>(predicted) * static_cast<std::size_t>(num_classes_ + 1) +
                 static_cast<std::size_t>(truth)];
}

std::vector<std::int64_t> ConfusionMatrix::true_positives() const {
  std::vector<std::int64_t> tp(static_cast<std::size_t>(num_classes_));
  for (std::int32_t c = 0; c < num_classes_; ++c) tp[static_cast<std::size_t>(c)] = at(c, c);
  return tp;
}

std::vector<std::int64_t> ConfusionMatrix::false_positives() const {
  std::vector<std::int64_t> fp(static_cast<std::size_t>(num_classes_));
  for (std::int32_t c = 0; c < num_classes_; ++c) {
    std::int64_t row = 0;
    for (std::int32_t t = 0; t <= num_classes_; ++t) row += at(c, t);
    fp[static_cast<std::size_t>(c)] = row - at(c, c);
  }
  return fp;
}

void ConfusionMatrix::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

}  // namespace yolo
