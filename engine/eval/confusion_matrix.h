#pragma once
// defines: ConfusionMatrix, ultralytics 8.4's detection confusion matrix
// (ConfusionMatrix.process_batch, task "detect").
#include <cstdint>
#include <span>
#include <vector>

#include "engine/eval/box_matching.h"

namespace yolo {

// Counts indexed [predicted][true] over num_classes + 1 rows and columns,
// the last of each being background: [c][nc] a prediction of class c that
// matched no object (FP), [nc][c] an object of class c that no prediction
// matched (FN).
class ConfusionMatrix {
 public:
  // conf: predictions count only when score > conf; iou: a match needs IoU > iou.
  explicit ConfusionMatrix(std::int32_t num_classes, float conf = 0.25f, float iou = 0.45f);

  // One image. Class-agnostic greedy matching: predictions above conf that
  // overlap some target by more than iou, in descending score order (stable),
  // each take the target they overlap most (the first of equal ones) among
  // those not yet taken. A matched pair adds [pred class][target class]
  // (off the diagonal it is both an FP and an FN); the rest add to the
  // background row / column. As ultralytics: with no predictions at all every
  // target is an FN, even before the conf filter.
  void add_image(std::span<const PredictedBox> predictions, std::span<const TargetBox> targets);

  std::int64_t at(std::int32_t predicted, std::int32_t truth) const;
  std::int32_t num_classes() const { return num_classes_; }
  // Row-major (nc + 1) x (nc + 1).
  const std::vector<std::int64_t>& counts() const { return counts_; }
  // Per class (background excluded): TP = the diagonal, FP = its row's sum minus TP.
  std::vector<std::int64_t> true_positives() const;
  std::vector<std::int64_t> false_positives() const;
  void reset();

 private:
  void add(std::int32_t predicted, std::int32_t truth);

  std::int32_t num_classes_;
  float conf_, iou_;
  std::vector<std::int64_t> counts_;
};

}  // namespace yolo
