// Detection metrics on cases small enough to compute by hand: box IoU,
// ultralytics 8.4's prediction matching (greedy by score, per threshold,
// ties), compute_ap's trapezoid over 101 points (0.995 for a perfect curve),
// smooth, ap_per_class (perfect, empty, wrong class, duplicates, a class
// without predictions), the confusion matrix and the validation table.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/eval/average_precision.h"
#include "engine/eval/box_matching.h"
#include "engine/eval/confusion_matrix.h"
#include "engine/eval/detection_metrics.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

PredictedBox pred(float x1, float y1, float x2, float y2, float score, std::int32_t cls) {
  return {{x1, y1, x2, y2}, score, cls};
}
TargetBox target(float x1, float y1, float x2, float y2, std::int32_t cls) { return {{x1, y1, x2, y2}, cls}; }

// The bits as a string, threshold 0.50 first: "1111100000" = correct up to 0.70.
std::string bits(const CorrectAtThresholds& c) {
  std::string s;
  for (std::size_t t = 0; t < kNumIouThresholds; ++t) s += c[t] ? '1' : '0';
  return s;
}

TEST(BoxMatching, IouOfKnownBoxes) {
  EXPECT_FLOAT_EQ(box_iou({0, 0, 10, 10}, {5, 0, 15, 10}), 50.0f / 150.0f);
  EXPECT_EQ(box_iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0f);   // the 1e-7 vanishes in f32 next to 100
  EXPECT_EQ(box_iou({0, 0, 10, 10}, {10, 0, 20, 10}), 0.0f);  // touching
  EXPECT_EQ(box_iou({0, 0, 10, 10}, {20, 20, 30, 30}), 0.0f);
  // 70 / 100 rounds to the f32 nearest 0.7, which is kIouThresholds[4].
  EXPECT_EQ(box_iou({0, 0, 10, 10}, {0, 0, 10, 7}), kIouThresholds[4]);
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0), target(5, 0, 15, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(0, 0, 10, 10, 0.5f, 0), pred(0, 0, 10, 5, 0.5f, 0),
                                           pred(100, 100, 110, 110, 0.5f, 1)};
  const std::vector<float> m = box_iou_matrix(targets, preds);
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0 * 3 + 0], 1.0f);
  EXPECT_FLOAT_EQ(m[0 * 3 + 1], 0.5f);
  EXPECT_FLOAT_EQ(m[1 * 3 + 0], 1.0f / 3.0f);
  EXPECT_FLOAT_EQ(m[1 * 3 + 1], 25.0f / 125.0f);
  EXPECT_EQ(m[1 * 3 + 2], 0.0f);
}

TEST(BoxMatching, PerfectPredictionsAreCorrectAtEveryThreshold) {
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0), target(20, 20, 40, 30, 1)};
  const std::vector<PredictedBox> preds = {pred(20, 20, 40, 30, 0.9f, 1), pred(0, 0, 10, 10, 0.8f, 0)};
  for (const CorrectAtThresholds& c : match_predictions(preds, targets)) EXPECT_EQ(bits(c), "1111111111");
}

TEST(BoxMatching, EmptySidesGiveNoTruePositives) {
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(0, 0, 10, 10, 0.9f, 0)};
  EXPECT_TRUE(match_predictions({}, targets).empty());
  const auto no_targets = match_predictions(preds, {});
  ASSERT_EQ(no_targets.size(), 1u);
  EXPECT_EQ(bits(no_targets[0]), "0000000000");
}

TEST(BoxMatching, WrongClassIsNeverCorrect) {
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(0, 0, 10, 10, 0.9f, 1)};
  EXPECT_EQ(bits(match_predictions(preds, targets)[0]), "0000000000");
}

TEST(BoxMatching, IouEqualToAThresholdCounts) {
  // IoU 0.7 exactly (in f32): correct at 0.50 ... 0.70 (IoU >= threshold).
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  EXPECT_EQ(bits(match_predictions(std::vector{pred(0, 0, 10, 7, 0.9f, 0)}, targets)[0]), "1111100000");
  // IoU 0.45: below every threshold.
  EXPECT_EQ(bits(match_predictions(std::vector{pred(0, 0, 10, 4.5f, 0.9f, 0)}, targets)[0]), "0000000000");
}

TEST(BoxMatching, DuplicatesOnlyTheHighestScoreIsCorrect) {
  // Listed lowest score first: matching visits by score, not by position.
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(0, 0, 10, 10, 0.3f, 0), pred(0, 0, 10, 10, 0.9f, 0),
                                           pred(0, 0, 10, 10, 0.6f, 0)};
  const auto c = match_predictions(preds, targets);
  EXPECT_EQ(bits(c[0]), "0000000000");
  EXPECT_EQ(bits(c[1]), "1111111111");
  EXPECT_EQ(bits(c[2]), "0000000000");
}

TEST(BoxMatching, GreedyByScoreAtEachThresholdSeparately) {
  // The first (score 0.9) prediction overlaps the target by 0.8 and takes it
  // at 0.50 ... 0.80; the exact one (0.8) is left the target at 0.85 ... 0.95,
  // where the first did not reach. (Greedy by IoU, as ultralytics < 8.4,
  // would give the exact box everything and the other nothing.)
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(0, 0, 10, 8, 0.9f, 0), pred(0, 0, 10, 10, 0.8f, 0)};
  const auto c = match_predictions(preds, targets);
  EXPECT_EQ(bits(c[0]), "1111111000");
  EXPECT_EQ(bits(c[1]), "0000000111");
}

TEST(BoxMatching, EqualIousGoToTheFirstTarget) {
  // The 0.9 prediction overlaps both targets by exactly 0.6 and takes the
  // first at 0.50 ... 0.60, so the exact copy of the first target (0.8) is
  // correct only from 0.65 on: the second target is too far from it.
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0), target(5, 0, 15, 10, 0)};
  const std::vector<PredictedBox> preds = {pred(2.5f, 0, 12.5f, 10, 0.9f, 0), pred(0, 0, 10, 10, 0.8f, 0)};
  ASSERT_EQ(box_iou(targets[0].box, preds[0].box), box_iou(targets[1].box, preds[0].box));
  const auto c = match_predictions(preds, targets);
  EXPECT_EQ(bits(c[0]), "1110000000");
  EXPECT_EQ(bits(c[1]), "0001111111");
}

TEST(BoxMatching, EqualScoresKeepTheirOrder) {
  const std::vector<TargetBox> targets = {target(0, 0, 10, 10, 0)};
  const PredictedBox partial = pred(0, 0, 10, 6, 0.5f, 0), exact = pred(0, 0, 10, 10, 0.5f, 0);
  auto c = match_predictions(std::vector{partial, exact}, targets);
  EXPECT_EQ(bits(c[0]), "1110000000");
  EXPECT_EQ(bits(c[1]), "0001111111");
  c = match_predictions(std::vector{exact, partial}, targets);
  EXPECT_EQ(bits(c[0]), "1111111111");
  EXPECT_EQ(bits(c[1]), "0000000000");
}

TEST(AveragePrecision, ComputeApByHand) {
  // Trapezoids over r = 0, 0.01, ..., 1 of the interpolated envelope.
  // Perfect: p = 1 up to r = 0.99, and the sentinel (1, 0) makes p(1) = 0:
  // 0.99 + 0.01 (1 + 0) / 2 = 0.995.
  EXPECT_NEAR(compute_ap(std::vector{0.5, 1.0}, std::vector{1.0, 1.0}), 0.995, 1e-12);
  // Half the targets found, no FP: p = 1 below r = 0.5 and 0 from r = 0.5 on
  // (the last of the repeated r = 0.5 wins): 0.49 + 0.005 = 0.495.
  EXPECT_NEAR(compute_ap(std::vector{0.5}, std::vector{1.0}), 0.495, 1e-12);
  // TP, FP, TP of 2 targets: envelope 1 below r = 0.5, 2/3 on [0.5, 1):
  // 0.49 + 0.01 (1 + 2/3) / 2 + 0.49 (2/3) + 0.01 (2/3) / 2 = 0.828333...
  EXPECT_NEAR(compute_ap(std::vector{0.5, 0.5, 1.0}, std::vector{1.0, 0.5, 2.0 / 3.0}), 0.8283333333333333, 1e-12);
  // A lone FP: recall stays 0.
  EXPECT_NEAR(compute_ap(std::vector{0.0}, std::vector{0.0}), 0.0, 1e-12);
  // A duplicate after the last TP costs nothing.
  EXPECT_NEAR(compute_ap(std::vector{1.0, 1.0}, std::vector{1.0, 0.5}), 0.995, 1e-12);
}

TEST(AveragePrecision, SmoothIsABoxFilterWithEdgePadding) {
  std::vector<double> y(1000, 0.0);
  y[500] = 1.0;
  const std::vector<double> s = smooth_box(y, 0.1);  // 101 taps
  ASSERT_EQ(s.size(), 1000u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_NEAR(s[i], i >= 450 && i <= 550 ? 1.0 / 101.0 : 0.0, 1e-15) << i;
  }
  std::vector<double> ramp(20);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<double>(i);
  const std::vector<double> r = smooth_box(ramp, 0.1);  // 3 taps, ends padded with one copy
  ASSERT_EQ(r.size(), 20u);
  EXPECT_NEAR(r[0], (0.0 + 0.0 + 1.0) / 3.0, 1e-15);
  EXPECT_NEAR(r[7], 7.0, 1e-14);
  EXPECT_NEAR(r[19], (18.0 + 19.0 + 19.0) / 3.0, 1e-14);
}

// Runs the set-level metrics over predictions and target classes.
struct SetInput {
  std::vector<CorrectAtThresholds> correct;
  std::vector<float> scores;
  std::vector<std::int32_t> pred_classes, target_classes;
  void add(bool is_correct, float score, std::int32_t cls) {
    correct.push_back(is_correct ? CorrectAtThresholds().set() : CorrectAtThresholds());
    scores.push_back(score);
    pred_classes.push_back(cls);
  }
  AveragePrecision run() const { return ap_per_class(correct, scores, pred_classes, target_classes); }
};

TEST(AveragePrecision, PerfectGivesPointNineNineFiveAndFullPrecisionRecall) {
  SetInput in;
  in.target_classes = {0, 1, 0};
  in.add(true, 0.9f, 0), in.add(true, 0.8f, 1), in.add(true, 0.7f, 0);
  const AveragePrecision ap = in.run();
  ASSERT_EQ(ap.classes.size(), 2u);
  for (const auto& c : ap.classes) {
    for (double v : c.ap) EXPECT_NEAR(v, 0.995, 1e-12);
    EXPECT_EQ(c.precision, 1.0);
    EXPECT_EQ(c.recall, 1.0);
  }
  EXPECT_EQ(ap.classes[0].instances, 2);
  EXPECT_EQ(ap.best_f1_index, 0u);  // F1 = 1 at every confidence below 0.7: the first index
  EXPECT_NEAR(ap.map50, 0.995, 1e-12);
  EXPECT_NEAR(ap.map50_95, 0.995, 1e-12);
  EXPECT_EQ(ap.mean_precision, 1.0);
  EXPECT_EQ(ap.mean_recall, 1.0);
}

TEST(AveragePrecision, EmptyPredictionsScoreZero) {
  SetInput in;
  in.target_classes = {0, 2, 2};
  const AveragePrecision ap = in.run();
  ASSERT_EQ(ap.classes.size(), 2u);
  EXPECT_EQ(ap.classes[1].cls, 2);
  EXPECT_EQ(ap.classes[1].instances, 2);
  EXPECT_EQ(ap.map50, 0.0);
  EXPECT_EQ(ap.map50_95, 0.0);
  EXPECT_EQ(ap.mean_precision, 0.0);
  EXPECT_EQ(ap.mean_recall, 0.0);
}

TEST(AveragePrecision, EmptyTargetsHaveNoClasses) {
  SetInput in;
  in.add(false, 0.9f, 0);
  const AveragePrecision ap = in.run();
  EXPECT_TRUE(ap.classes.empty());
  EXPECT_EQ(ap.map50_95, 0.0);
  EXPECT_EQ(ap.mean_precision, 0.0);
}

TEST(AveragePrecision, WrongClassPredictionsAreIgnoredForClassesWithoutTargets) {
  SetInput in;
  in.target_classes = {0, 0};
  in.add(false, 0.9f, 1), in.add(false, 0.8f, 1);  // class 1 has no targets: not a row
  const AveragePrecision ap = in.run();
  ASSERT_EQ(ap.classes.size(), 1u);
  EXPECT_EQ(ap.classes[0].cls, 0);
  EXPECT_EQ(ap.map50_95, 0.0);
}

TEST(AveragePrecision, OneClassWithoutPredictionsHalvesTheMeans) {
  SetInput in;
  in.target_classes = {0, 1};
  in.add(true, 0.9f, 0);
  const AveragePrecision ap = in.run();
  ASSERT_EQ(ap.classes.size(), 2u);
  EXPECT_NEAR(ap.classes[0].ap[0], 0.995, 1e-12);
  EXPECT_EQ(ap.classes[1].ap[0], 0.0);
  EXPECT_NEAR(ap.map50, 0.4975, 1e-12);
  // Mean F1 is 0.5 below confidence 0.9: the first index, P = R = 1 and 0.
  EXPECT_EQ(ap.best_f1_index, 0u);
  EXPECT_EQ(ap.mean_precision, 0.5);
  EXPECT_EQ(ap.mean_recall, 0.5);
}

TEST(AveragePrecision, DuplicateBelowTheLastTruePositiveLowersPrecisionNotAp) {
  SetInput in;
  in.target_classes = {0};
  in.add(true, 0.9f, 0), in.add(false, 0.8f, 0);
  const AveragePrecision ap = in.run();
  EXPECT_NEAR(ap.classes[0].ap[0], 0.995, 1e-12);
  // Below confidence 0.8 both count: P = 1 / 2 there.
  EXPECT_EQ(ap.classes[0].precision_curve[0], 0.5);
  EXPECT_EQ(ap.classes[0].recall_curve[0], 1.0);
  // Above 0.9 nothing is predicted: P = 1 (left value), R = 0.
  EXPECT_EQ(ap.classes[0].precision_curve[999], 1.0);
  EXPECT_EQ(ap.classes[0].recall_curve[999], 0.0);
}

TEST(AveragePrecision, RankingOrderDecidesAp) {
  // FP above the TP: the envelope is 1/2 everywhere on (0, 1).
  SetInput in;
  in.target_classes = {0};
  in.add(true, 0.5f, 0), in.add(false, 0.9f, 0);
  const AveragePrecision ap = in.run();
  // Recall 0 repeats (the sentinel, then the FP) and the last repeat wins,
  // whose envelope is 1/2: p = 1/2 up to r = 0.99, 0 at r = 1:
  // 0.99 / 2 + 0.01 (1/2) / 2 = 0.4975.
  EXPECT_NEAR(ap.classes[0].ap[0], 0.4975, 1e-12);
}

TEST(AveragePrecision, MismatchedLengthsAreAnError) {
  const std::vector<CorrectAtThresholds> correct(2);
  const std::vector<float> scores(1);
  const std::vector<std::int32_t> classes(2), targets;
  EXPECT_NE(test::error_of([&] { ap_per_class(correct, scores, classes, targets); }).find("2 correct rows, 1 scores"),
            std::string::npos);
}

TEST(ConfusionMatrix, PerfectWrongClassMissedAndSpurious) {
  ConfusionMatrix m(3);
  // Image 1: class 0 found, class 1 predicted as 2, class 2 missed, a spurious class 1.
  m.add_image(std::vector{pred(0, 0, 10, 10, 0.9f, 0), pred(20, 0, 30, 10, 0.8f, 2), pred(50, 50, 60, 60, 0.7f, 1)},
              std::vector{target(0, 0, 10, 10, 0), target(20, 0, 30, 10, 1), target(80, 80, 90, 90, 2)});
  EXPECT_EQ(m.at(0, 0), 1);
  EXPECT_EQ(m.at(2, 1), 1);  // both an FP of 2 and an FN of 1
  EXPECT_EQ(m.at(3, 2), 1);  // FN: background row
  EXPECT_EQ(m.at(1, 3), 1);  // FP: background column
  std::int64_t total = 0;
  for (std::int64_t v : m.counts()) total += v;
  EXPECT_EQ(total, 4);
  EXPECT_EQ(m.true_positives(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(m.false_positives(), (std::vector<std::int64_t>{0, 1, 1}));
}

TEST(ConfusionMatrix, ConfidenceAndIouThresholdsAreStrict) {
  ConfusionMatrix m(1);
  // Score 0.25 is not > 0.25: ignored, the target is an FN.
  m.add_image(std::vector{pred(0, 0, 10, 10, 0.25f, 0)}, std::vector{target(0, 0, 10, 10, 0)});
  EXPECT_EQ(m.at(1, 0), 1);
  EXPECT_EQ(m.at(0, 1), 0);
  // IoU 0.45 is not > 0.45: an FP and an FN; IoU 0.46 matches.
  m.reset();
  m.add_image(std::vector{pred(0, 0, 10, 4.5f, 0.9f, 0)}, std::vector{target(0, 0, 10, 10, 0)});
  EXPECT_EQ(m.at(0, 1), 1);
  EXPECT_EQ(m.at(1, 0), 1);
  m.reset();
  m.add_image(std::vector{pred(0, 0, 10, 4.6f, 0.9f, 0)}, std::vector{target(0, 0, 10, 10, 0)});
  EXPECT_EQ(m.at(0, 0), 1);
}

TEST(ConfusionMatrix, EmptySides) {
  ConfusionMatrix m(2);
  // No targets: every prediction above conf is an FP.
  m.add_image(std::vector{pred(0, 0, 10, 10, 0.9f, 1), pred(0, 0, 10, 10, 0.1f, 0)}, {});
  EXPECT_EQ(m.at(1, 2), 1);
  EXPECT_EQ(m.at(0, 2), 0);
  // No predictions: every target an FN.
  m.add_image({}, std::vector{target(0, 0, 10, 10, 0), target(0, 0, 10, 10, 0)});
  EXPECT_EQ(m.at(2, 0), 2);
}

TEST(ConfusionMatrix, DuplicatesAndTies) {
  ConfusionMatrix m(2);
  // Two predictions on one target: the higher score matches, the other is an FP.
  m.add_image(std::vector{pred(0, 0, 10, 10, 0.5f, 1), pred(0, 0, 10, 10, 0.9f, 0)},
              std::vector{target(0, 0, 10, 10, 0)});
  EXPECT_EQ(m.at(0, 0), 1);
  EXPECT_EQ(m.at(1, 2), 1);
  // A prediction overlapping two targets equally takes the first; class-agnostic.
  m.reset();
  m.add_image(std::vector{pred(2.5f, 0, 12.5f, 10, 0.9f, 1)},
              std::vector{target(0, 0, 10, 10, 0), target(5, 0, 15, 10, 1)});
  EXPECT_EQ(m.at(1, 0), 1);
  EXPECT_EQ(m.at(2, 1), 1);
}

TEST(ConfusionMatrix, ClassOutsideTheRangeIsAnError) {
  ConfusionMatrix m(2);
  EXPECT_NE(test::error_of([&] { m.add_image(std::vector{pred(0, 0, 1, 1, 0.9f, 2)}, {}); }).find("predicted class 2"),
            std::string::npos);
}

TEST(Metrics, AccumulatesImagesAndFormatsTheTable) {
  DetectionMetrics metrics(3);
  const auto c = metrics.add_image(std::vector{pred(0, 0, 10, 10, 0.9f, 0), pred(20, 20, 30, 30, 0.8f, 2)},
                                   std::vector{target(0, 0, 10, 10, 0), target(20, 20, 30, 30, 2)});
  EXPECT_EQ(bits(c[0]), "1111111111");
  EXPECT_EQ(bits(c[1]), "1111111111");
  metrics.add_image(std::vector{pred(20, 20, 30, 30, 0.7f, 2)}, std::vector{target(20, 20, 30, 30, 2)});
  metrics.add_image({}, {});  // an image without objects still counts
  const DetectionMetricsResult r = metrics.compute();
  EXPECT_EQ(r.images, 3);
  EXPECT_EQ(r.instances, 3);
  ASSERT_EQ(r.classes.size(), 2u);  // class 1 has no targets: no row
  EXPECT_EQ(r.classes[0].cls, 0);
  EXPECT_EQ(r.classes[0].images, 1);
  EXPECT_EQ(r.classes[0].instances, 1);
  EXPECT_EQ(r.classes[1].cls, 2);
  EXPECT_EQ(r.classes[1].images, 2);
  EXPECT_EQ(r.classes[1].instances, 2);
  EXPECT_NEAR(r.map50_95, 0.995, 1e-12);
  EXPECT_EQ(r.ultralytics_fitness, r.map50_95);  // 8.4's weights (0, 0, 0, 1)
  EXPECT_NEAR(r.fitness, 0.1 * r.map50 + 0.9 * r.map50_95, 1e-12);  // YOLOv5/YOLOv9's (0, 0, 0.1, 0.9)
  EXPECT_EQ(metrics.confusion_matrix().at(0, 0), 1);
  EXPECT_EQ(metrics.confusion_matrix().at(2, 2), 2);

  // Python's ("%22s" + "%11s" * 6) and ("%22s" + "%11i" * 2 + "%11.3g" * 4).
  const std::vector<std::string> names = {"person", "bicycle", "car"};
  EXPECT_EQ(format_validation_table(r, names, true),
            "                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95)\n"
            "                   all          3          3          1          1      0.995      0.995\n"
            "                person          1          1          1          1      0.995      0.995\n"
            "                   car          2          2          1          1      0.995      0.995\n");
  EXPECT_EQ(format_validation_table(r, names, false).find("person"), std::string::npos);
  // Without a name, the class id.
  EXPECT_NE(format_validation_table(r, {}, true).find("\n                     2          2          2          1"),
            std::string::npos);

  metrics.reset();
  EXPECT_EQ(metrics.images(), 0);
  EXPECT_EQ(metrics.compute().classes.size(), 0u);
}

TEST(Metrics, GFormatDropsTrailingZerosAsPrintf) {
  // Python's "%11.3g" % 0.5 == "        0.5", % 1.0 == "          1", % 0.0 == "          0",
  // % 0.12345 == "      0.123".
  DetectionMetricsResult r;
  r.images = 1, r.precision = 0.5, r.recall = 1.0, r.map50 = 0.0, r.map50_95 = 0.12345;
  const std::string table = format_validation_table(r, {}, false);
  EXPECT_NE(table.find("                   all          1          0        0.5          1          0      0.123\n"),
            std::string::npos)
      << table;
}

TEST(Metrics, ClassOutsideTheRangeIsAnError) {
  DetectionMetrics metrics(2);
  EXPECT_NE(test::error_of([&] { metrics.add_image({}, std::vector{target(0, 0, 1, 1, 5)}); }).find("target class 5"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { DetectionMetrics bad(0); }).find("0 classes"), std::string::npos);
}

}  // namespace
}  // namespace yolo
