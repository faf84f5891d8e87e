#pragma once
// defines: ClassAveragePrecision, AveragePrecision, ap_per_class (ultralytics
// 8.4's ap_per_class over the whole validation set), compute_ap and
// smooth_box (its building blocks, exposed for tests).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/eval/box_matching.h"

namespace yolo {

// Points of the confidence axis of the P, R and F1 curves: linspace(0, 1, 1000).
inline constexpr std::size_t kCurvePoints = 1000;

// One class with at least one target.
struct ClassAveragePrecision {
  std::int32_t cls = 0;
  std::int64_t instances = 0;                  // targets of this class
  std::array<double, kNumIouThresholds> ap{};  // AP at each IoU threshold
  // At the confidence of the best mean F1 (AveragePrecision::best_f1_index).
  double precision = 0, recall = 0, f1 = 0;
  double map50() const { return ap[0]; }
  double map50_95() const;  // mean of ap
  // Over the confidence axis (kCurvePoints): P, R and F1 at IoU 0.5; and
  // the precision envelope against recall at IoU 0.5 (the PR plot).
  std::vector<double> precision_curve, recall_curve, f1_curve, pr_curve;
};

struct AveragePrecision {
  std::vector<ClassAveragePrecision> classes;  // ascending class id, only classes with targets
  std::size_t best_f1_index = 0;               // on the confidence axis: i / 999
  // Means over `classes`; 0 without classes.
  double mean_precision = 0, mean_recall = 0, map50 = 0, map50_95 = 0;
};

// The whole set's predictions (correct[i], scores[i], pred_classes[i]) and
// the classes of every target. Predictions are ranked by descending score
// (stably: ties keep their order, where numpy's quicksort leaves them in an
// unspecified order; only tied scores can tell the two apart). For each
// class with targets: TP and FP cumulated down the ranking, recall =
// TP / n_targets, precision = TP / (TP + FP); AP per threshold by
// compute_ap; P and R against confidence sampled with numpy's interp; then
// the index of the highest smooth_box(mean F1 over classes, 0.1), and each
// class's P, R, F1 there. Classes without targets are ignored, their
// predictions included; classes with targets but no predictions score 0.
AveragePrecision ap_per_class(std::span<const CorrectAtThresholds> correct, std::span<const float> scores,
                              std::span<const std::int32_t> pred_classes, std::span<const std::int32_t> target_classes);

// AP of one precision-recall curve (points in ranking order), ultralytics'
// compute_ap: sentinels (0, 1) before and (r_last, 0), (1, 0) after, the
// envelope p(i) = max_{j >= i} p(j), sampled with linear interpolation at
// r = linspace(0, 1, 101) and integrated by the trapezoid rule:
//   AP = sum_k (r_{k+1} - r_k) (p(r_k) + p(r_{k+1})) / 2.
// Not COCO's mean of 101 step samples: a perfect curve gives 0.995, since
// the sentinel makes p(1) = 0.
double compute_ap(std::span<const double> recall, std::span<const double> precision);

// ultralytics' smooth(y, f): a box filter of nf = round(2 f n) // 2 + 1 taps
// (101 for 1000 points at f = 0.1), the ends padded with nf // 2 copies of
// the end values; same length as y when nf is odd.
std::vector<double> smooth_box(std::span<const double> y, double fraction);

}  // namespace yolo
