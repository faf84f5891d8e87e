#pragma once
// defines: DetectionMetrics (the validator's accumulator: images in,
// ultralytics' P, R, mAP50, mAP50-95 out), DetectionMetricsResult,
// ClassMetrics and format_validation_table.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/eval/average_precision.h"
#include "engine/eval/box_matching.h"
#include "engine/eval/confusion_matrix.h"

namespace yolo {

// One row of the validation table: a class with at least one target.
struct ClassMetrics {
  std::int32_t cls = 0;
  std::int64_t images = 0;     // images containing at least one target of the class
  std::int64_t instances = 0;  // targets of the class
  double precision = 0, recall = 0, map50 = 0, map50_95 = 0;
};

struct DetectionMetricsResult {
  std::int64_t images = 0;     // every image added, with or without targets
  std::int64_t instances = 0;  // every target
  // Means over `classes` (ultralytics' mp, mr, map50, map); 0 without targets.
  double precision = 0, recall = 0, map50 = 0, map50_95 = 0;
  // What selects the best checkpoint: 0.1 mAP50 + 0.9 mAP50-95, the
  // YOLOv5/YOLOv9 repositories' fitness (and ultralytics' up to 8.3).
  double fitness = 0;
  // ultralytics 8.4's Metric.fitness: weights (0, 0, 0, 1) on (P, R, mAP50,
  // mAP50-95), i.e. mAP50-95 alone.
  double ultralytics_fitness = 0;
  std::vector<ClassMetrics> classes;  // ascending class id
  AveragePrecision curves;            // per-class AP at every threshold and the P, R, F1, PR curves
};

// Feed it every validation image's predictions (after NMS) and targets in
// the same pixel frame, then compute(). Holds only each prediction's score,
// class and correct bits, and each target's class.
class DetectionMetrics {
 public:
  explicit DetectionMetrics(std::int32_t num_classes);

  // Matches the image (match_predictions) and records it; also feeds the
  // confusion matrix (conf 0.25, IoU 0.45). Returns the correct bits, in
  // the order of `predictions`.
  std::vector<CorrectAtThresholds> add_image(std::span<const PredictedBox> predictions,
                                             std::span<const TargetBox> targets);
  DetectionMetricsResult compute() const;
  const ConfusionMatrix& confusion_matrix() const { return confusion_; }
  std::int64_t images() const { return images_; }
  std::int32_t num_classes() const { return num_classes_; }
  void reset();

 private:
  std::int32_t num_classes_;
  std::int64_t images_ = 0;
  std::vector<CorrectAtThresholds> correct_;
  std::vector<float> scores_;
  std::vector<std::int32_t> pred_classes_, target_classes_;
  std::vector<std::int64_t> images_with_class_;  // (num_classes)
  ConfusionMatrix confusion_;
};

// ultralytics' DetectionValidator header and rows ("%22s" "%11i" x2
// "%11.3g" x4), one line each, '\n'-terminated: the "all" row, then with
// per_class one row per class with targets (ultralytics prints those for
// verbose validation outside training when nc > 1). A class without a name
// in `names` is shown by its id.
std::string format_validation_table(const DetectionMetricsResult& result, std::span<const std::string> names,
                                    bool per_class);

}  // namespace yolo
