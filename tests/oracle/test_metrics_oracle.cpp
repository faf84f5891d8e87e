// Detection metrics against two references on the same detections and labels
// (metrics_oracle.py):
//
// (a) ultralytics 8.4 itself (match_predictions, ap_per_class, DetMetrics,
//     ConfusionMatrix, print_results). The engine reproduces it: the correct
//     bits, the confusion matrix and the table text exactly; AP, P, R, the
//     means and the curves to 1e-6 (they cross as f32; the brief asks 1e-4).
//
// (b) pycocotools' COCOeval. Both match a detection the same way: by
//     descending score, at each threshold to the unmatched same-class label
//     of highest IoU >= the threshold (ultralytics < 8.4 matched greedily by
//     IoU instead, which differs). What still differs:
//       - IoU arithmetic: ultralytics f32 with +1e-7 in the union and f32
//         thresholds (0.7f < 0.7), COCO f64 (0.7000000000000001 for 0.7).
//         An IoU within ~1e-6 of a threshold can fall on different sides, so
//         the random fixtures keep every same-class IoU 1e-4 away from them.
//       - Ties: of equally good labels ultralytics takes the first, COCO the
//         last (the "ties" fixture is ultralytics-only).
//       - COCO caps detections per image and class (maxDets, 300 here) and
//         splits by area (one range [0, 1e10] here: no effect).
//       - Integration. COCO: mean over r in {0, 0.01, ..., 1} of the
//         precision at the first rank with recall >= r (the envelope as a
//         step). ultralytics: the envelope with sentinels (0, 1), (r_n, 0),
//         (1, 0), linearly interpolated at the same 101 r, then the trapezoid
//         rule; so p(1) = 0 always and a perfect class scores 0.995, not 1.
//     So the matching is asserted equal (COCO's dtMatches against our bits),
//     COCO's AP is reproduced from our bits with COCO's own sampling to 1e-6,
//     and ours is held within the bound the two integrations allow (below).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "engine/eval/detection_metrics.h"
#include "tests/support/oracle.h"

namespace yolo {
namespace {

struct Fixture {
  std::string name;
  std::int32_t classes = 1;
  std::vector<std::vector<PredictedBox>> preds;  // per image
  std::vector<std::vector<TargetBox>> targets;   // per image
  bool coco_matching = true;                     // no IoU near a threshold, no IoU ties: COCO matches as we do
};

// Seeded draws (std::mt19937_64 is specified bit for bit; the doubles come
// from its top 53 bits, not a library distribution).
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : gen_(seed) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  std::int32_t below(std::int32_t n) { return static_cast<std::int32_t>(uniform(0, n)) % n; }
  bool chance(double p) { return uniform(0, 1) < p; }
  // Scores distinct across the fixture: numpy's unstable argsort orders tied
  // scores arbitrarily, and ties are the "ties" fixture's business.
  float score() {
    for (;;) {
      const float s = static_cast<float>(uniform(0.001, 1.0));
      if (used_.insert(s).second) return s;
    }
  }

 private:
  std::mt19937_64 gen_;
  std::set<float> used_;
};

EvalBox random_box(Draw& d, double cx_lo, double cx_hi, double size_lo, double size_hi) {
  const double cx = d.uniform(cx_lo, cx_hi), cy = d.uniform(cx_lo, cx_hi);
  const double w = d.uniform(size_lo, size_hi), h = d.uniform(size_lo, size_hi);
  return {static_cast<float>(cx - w / 2), static_cast<float>(cy - h / 2), static_cast<float>(cx + w / 2),
          static_cast<float>(cy + h / 2)};
}

EvalBox jitter(Draw& d, const EvalBox& b, double amount) {
  const double w = b.x2 - b.x1, h = b.y2 - b.y1;
  return {static_cast<float>(b.x1 + d.uniform(-amount, amount) * w),
          static_cast<float>(b.y1 + d.uniform(-amount, amount) * h),
          static_cast<float>(b.x2 + d.uniform(-amount, amount) * w),
          static_cast<float>(b.y2 + d.uniform(-amount, amount) * h)};
}

// IoU in f64 without eps (COCO's) within 1e-4 of a threshold, against any
// target of the same class: ultralytics' f32 IoU could land on the other side.
bool near_a_threshold(const PredictedBox& p, const std::vector<TargetBox>& targets) {
  for (const TargetBox& t : targets) {
    if (t.cls != p.cls) continue;
    const double w = std::max(0.0, std::min<double>(p.box.x2, t.box.x2) - std::max<double>(p.box.x1, t.box.x1));
    const double h = std::max(0.0, std::min<double>(p.box.y2, t.box.y2) - std::max<double>(p.box.y1, t.box.y1));
    const double inter = w * h;
    const double a = (double{p.box.x2} - p.box.x1) * (double{p.box.y2} - p.box.y1);
    const double b = (double{t.box.x2} - t.box.x1) * (double{t.box.y2} - t.box.y1);
    const double iou = inter / (a + b - inter);
    for (int k = 0; k < 10; ++k) {
      if (std::abs(iou - (0.5 + 0.05 * k)) < 1e-4) return true;
    }
  }
  return false;
}

// Up to max_targets random targets per image, then predictions: each target
// found with probability 0.85 (a jittered copy, of a random class with
// probability 0.1), found twice with 0.2, plus up to max_spurious random
// boxes of random classes anywhere; every score distinct.
Fixture random_fixture(std::string name, std::uint64_t seed, int images, std::int32_t classes, int max_targets,
                       double centre_lo, double centre_hi, double jitter_amount, int max_spurious) {
  Draw d(seed);
  Fixture f{std::move(name), classes, {}, {}, true};
  for (int i = 0; i < images; ++i) {
    std::vector<TargetBox> targets;
    const int n = d.below(max_targets + 1);
    for (int k = 0; k < n; ++k) targets.push_back({random_box(d, centre_lo, centre_hi, 12, 160), d.below(classes)});
    std::vector<PredictedBox> preds;
    const auto add = [&](const EvalBox& box, std::int32_t cls) {
      PredictedBox p{box, 0.0f, cls};
      while (near_a_threshold(p, targets)) p.box = jitter(d, box, 0.01);
      p.score = d.score();
      preds.push_back(p);
    };
    for (const TargetBox& t : targets) {
      if (!d.chance(0.85)) continue;
      const std::int32_t cls = d.chance(0.1) ? d.below(classes) : t.cls;
      add(jitter(d, t.box, jitter_amount), cls);
      if (d.chance(0.2)) add(jitter(d, t.box, jitter_amount), cls);
    }
    for (int k = d.below(max_spurious + 1); k > 0; --k) add(random_box(d, 0, 640, 8, 120), d.below(classes));
    f.targets.push_back(std::move(targets));
    f.preds.push_back(std::move(preds));
  }
  return f;
}

// Exact copies of random targets (IoU exactly 1 in f32 and f64), boxes far
// apart (IoU 0 elsewhere): every decision is far from every threshold.
Fixture exact_fixture(std::string name, std::uint64_t seed, int images, std::int32_t classes) {
  Draw d(seed);
  Fixture f{std::move(name), classes, {}, {}, true};
  for (int i = 0; i < images; ++i) {
    std::vector<TargetBox> targets;
    const int n = 1 + d.below(4);
    for (int k = 0; k < n; ++k) {
      // One box per 150-px cell of the diagonal: never overlapping.
      const float x = static_cast<float>(k * 150 + d.below(40)), y = static_cast<float>(k * 150 + d.below(40));
      targets.push_back(
          {{x, y, x + 20.0f + static_cast<float>(d.below(90)), y + 20.0f + static_cast<float>(d.below(90))},
           d.below(classes)});
    }
    f.targets.push_back(targets);
    f.preds.emplace_back();
    for (const TargetBox& t : targets) f.preds.back().push_back({t.box, d.score(), t.cls});
  }
  return f;
}

std::vector<Fixture> fixtures() {
  std::vector<Fixture> all;
  all.push_back(exact_fixture("perfect", 1, 20, 3));

  Fixture empty_preds = exact_fixture("empty_predictions", 2, 10, 3);
  for (auto& p : empty_preds.preds) p.clear();
  all.push_back(empty_preds);

  Fixture empty_targets = exact_fixture("empty_targets", 3, 10, 3);
  for (auto& t : empty_targets.targets) t.clear();
  all.push_back(empty_targets);

  Fixture wrong = exact_fixture("all_wrong_class", 4, 12, 3);
  for (auto& image : wrong.preds) {
    for (auto& p : image) p.cls = (p.cls + 1) % 3;
  }
  all.push_back(wrong);

  // Each object predicted up to three times (exact copies, scores interleaved across objects).
  Fixture dup = exact_fixture("duplicates", 5, 15, 3);
  Draw dd(55);
  for (std::size_t i = 0; i < dup.preds.size(); ++i) {
    for (const TargetBox& t : dup.targets[i]) {
      for (int k = dd.below(3); k > 0; --k) dup.preds[i].push_back({t.box, dd.score(), t.cls});
    }
  }
  all.push_back(dup);

  // Class 2 has objects and no predictions; class 3 predictions and no objects.
  Fixture absent = random_fixture("one_class_absent", 6, 40, 3, 5, 60, 580, 0.12, 2);
  absent.classes = 4;
  Draw da(66);
  for (std::size_t i = 0; i < absent.preds.size(); ++i) {
    std::erase_if(absent.preds[i], [](const PredictedBox& p) { return p.cls == 2; });
    for (const TargetBox& t : absent.targets[i]) {
      if (da.chance(0.5)) absent.preds[i].push_back({jitter(da, t.box, 0.1), da.score(), 3});
    }
  }
  all.push_back(absent);

  // Thirty objects per image in a 240-px square: every prediction overlaps several.
  all.push_back(random_fixture("crowded", 7, 6, 3, 30, 200, 440, 0.15, 5));

  all.push_back(random_fixture("random_a", 11, 300, 5, 6, 60, 580, 0.12, 3));
  all.push_back(random_fixture("random_b", 12, 300, 5, 6, 60, 580, 0.25, 3));

  // Equal scores and equal IoUs (ultralytics only: COCO breaks IoU ties
  // towards the last label). At most 16 predictions: numpy's argsort
  // (quicksort) then runs an insertion sort, which is stable, as the engine.
  Fixture ties{"ties", 2, {}, {}, false};
  ties.targets = {{{{0, 0, 10, 10}, 0}, {{5, 0, 15, 10}, 0}, {{40, 40, 60, 60}, 1}},
                  {{{0, 0, 10, 10}, 1}, {{100, 100, 120, 130}, 0}}};
  ties.preds = {{{{2.5f, 0, 12.5f, 10}, 0.9f, 0},
                 {{0, 0, 10, 10}, 0.8f, 0},
                 {{5, 0, 15, 10}, 0.8f, 0},
                 {{40, 40, 60, 57}, 0.5f, 1},
                 {{40, 40, 60, 60}, 0.5f, 1},
                 {{0, 0, 10, 7}, 0.5f, 0}},
                {{{0, 0, 10, 10}, 0.5f, 1},
                 {{0, 0, 10, 8}, 0.5f, 1},
                 {{100, 100, 120, 130}, 0.8f, 1},
                 {{100, 100, 120, 126}, 0.8f, 0}}};
  all.push_back(ties);
  return all;
}

// COCOeval.accumulate's AP of one class at one threshold from our correct
// bits, in the set's order (images in order, each by descending score):
// precision = TP / (TP + FP + spacing(1)) made non-increasing from the end,
// sampled at the first rank whose recall >= r for r = i / 100 (0 past the
// last rank), averaged over the 101 r. -1 without targets (COCO's "absent").
double coco_style_ap(const std::vector<CorrectAtThresholds>& correct, const std::vector<float>& scores,
                     const std::vector<std::int32_t>& classes, std::int64_t targets, std::int32_t cls, std::size_t t) {
  if (targets == 0) return -1.0;
  std::vector<std::size_t> order;
  for (std::size_t i : descending_score_order(scores)) {
    if (classes[i] == cls) order.push_back(i);
  }
  std::vector<double> recall, precision;
  double tp = 0, fp = 0;
  for (std::size_t i : order) {
    (correct[i][t] ? tp : fp) += 1;
    recall.push_back(tp / static_cast<double>(targets));
    precision.push_back(tp / (tp + fp + 2.220446049250313e-16));
  }
  for (std::size_t i = precision.size(); i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
  double sum = 0;
  for (int k = 0; k <= 100; ++k) {
    const double r = k == 100 ? 1.0 : k * (1.0 / 100.0);  // np.linspace(0, 1, 101)
    const auto at = std::lower_bound(recall.begin(), recall.end(), r) - recall.begin();
    sum += at < static_cast<std::ptrdiff_t>(recall.size()) ? precision[static_cast<std::size_t>(at)] : 0.0;
  }
  return sum / 101.0;
}

void write_rows(const test::Oracle& oracle, const std::string& name, const std::vector<float>& rows,
                std::int64_t width) {
  write_npy(oracle.dir() + "/" + name + ".npy", "<f4", {static_cast<std::int64_t>(rows.size()) / width, width},
            rows.data(), rows.size() * sizeof(float));
}

double max_abs_diff(const std::vector<double>& ours, const float* ref) {
  double m = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) m = std::max(m, std::abs(ours[i] - static_cast<double>(ref[i])));
  return m;
}

// One fixture through the engine, in the rows the oracle receives.
struct Evaluated {
  std::vector<float> pred_rows, target_rows;  // (image, box, score, class), (image, box, class)
  std::vector<CorrectAtThresholds> correct;   // per prediction row
  std::vector<float> scores;
  std::vector<std::int32_t> pred_classes;
  std::vector<std::int64_t> instances;  // per class
  DetectionMetricsResult result;
  std::vector<std::int64_t> confusion;
};

Evaluated evaluate(const Fixture& f) {
  Evaluated e;
  DetectionMetrics metrics(f.classes);
  e.instances.assign(static_cast<std::size_t>(f.classes), 0);
  for (std::size_t i = 0; i < f.preds.size(); ++i) {
    const auto image = static_cast<float>(i);
    for (const PredictedBox& p : f.preds[i]) {
      e.pred_rows.insert(e.pred_rows.end(),
                         {image, p.box.x1, p.box.y1, p.box.x2, p.box.y2, p.score, static_cast<float>(p.cls)});
      e.scores.push_back(p.score);
      e.pred_classes.push_back(p.cls);
    }
    for (const TargetBox& t : f.targets[i]) {
      e.target_rows.insert(e.target_rows.end(),
                           {image, t.box.x1, t.box.y1, t.box.x2, t.box.y2, static_cast<float>(t.cls)});
      ++e.instances[static_cast<std::size_t>(t.cls)];
    }
    const auto c = metrics.add_image(f.preds[i], f.targets[i]);
    e.correct.insert(e.correct.end(), c.begin(), c.end());
  }
  e.result = metrics.compute();
  e.confusion = metrics.confusion_matrix().counts();
  return e;
}

int count_mismatches(const std::vector<CorrectAtThresholds>& correct, const NpyArray& reference) {
  EXPECT_EQ(reference.numel(), static_cast<std::int64_t>(correct.size() * kNumIouThresholds));
  if (reference.numel() != static_cast<std::int64_t>(correct.size() * kNumIouThresholds)) return -1;
  int mismatches = 0;
  for (std::size_t i = 0; i < correct.size(); ++i) {
    for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
      mismatches += correct[i][t] != (reference.as<std::uint8_t>()[i * kNumIouThresholds + t] != 0);
    }
  }
  return mismatches;
}

TEST(MetricsOracle, UltralyticsAndCocoEval) {
  const std::vector<Fixture> all = fixtures();
  std::vector<Evaluated> ours;
  test::Oracle oracle("metrics_oracle.py", test::kVenvPython);
  nlohmann::json params = nlohmann::json::array();
  for (std::size_t k = 0; k < all.size(); ++k) {
    ours.push_back(evaluate(all[k]));
    write_rows(oracle, fmt::format("{}_preds", k), ours[k].pred_rows, 7);
    write_rows(oracle, fmt::format("{}_targets", k), ours[k].target_rows, 6);
    params.push_back({{"images", all[k].preds.size()}, {"classes", all[k].classes}});
  }
  oracle.run("evaluate", {{"fixtures", params}});
  const auto get = [&](std::size_t k, const char* name) { return oracle.get(fmt::format("{}_{}", k, name)); };

  double worst_ap = 0, worst_pr = 0, worst_curve = 0, worst_coco_repro = 0, worst_integration = 0;
  for (std::size_t k = 0; k < all.size(); ++k) {
    const Fixture& f = all[k];
    const Evaluated& e = ours[k];
    const DetectionMetricsResult& r = e.result;
    const std::int32_t nc = f.classes;
    SCOPED_TRACE(f.name);
    if (f.name != "ties") {
      // Tied scores would leave the order to numpy's unstable argsort.
      ASSERT_EQ(std::set<float>(e.scores.begin(), e.scores.end()).size(), e.scores.size()) << "scores not distinct";
    }

    // (a) ultralytics.
    const NpyArray iouv = get(k, "iouv");
    for (std::size_t t = 0; t < kNumIouThresholds; ++t) EXPECT_EQ(kIouThresholds[t], iouv.as<float>()[t]);
    EXPECT_EQ(count_mismatches(e.correct, get(k, "tp")), 0) << "correct bits differing from match_predictions";

    const NpyArray classes = get(k, "ap_classes"), ap = get(k, "ap"), p = get(k, "p"), rr = get(k, "r");
    ASSERT_EQ(classes.numel(), static_cast<std::int64_t>(r.classes.size()));
    const NpyArray nt_class = get(k, "nt_per_class"), nt_image = get(k, "nt_per_image");
    const char* curve_names[4] = {"p_curve", "r_curve", "f1_curve", "prec_values"};
    NpyArray curves_ref[4];
    for (int c = 0; c < 4; ++c) curves_ref[c] = get(k, curve_names[c]);
    for (std::size_t c = 0; c < r.classes.size(); ++c) {
      const ClassAveragePrecision& row = r.curves.classes[c];
      EXPECT_EQ(row.cls, classes.as<std::int32_t>()[c]);
      for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
        const double d = std::abs(row.ap[t] - ap.as<float>()[c * kNumIouThresholds + t]);
        worst_ap = std::max(worst_ap, d);
        EXPECT_LE(d, 1e-6) << "class " << row.cls << " AP at threshold " << t;
      }
      const double dp = std::abs(row.precision - p.as<float>()[c]), dr = std::abs(row.recall - rr.as<float>()[c]);
      worst_pr = std::max({worst_pr, dp, dr});
      EXPECT_LE(dp, 1e-6) << "class " << row.cls << " P";
      EXPECT_LE(dr, 1e-6) << "class " << row.cls << " R";
      EXPECT_EQ(r.classes[c].instances, nt_class.as<std::int32_t>()[row.cls]);
      EXPECT_EQ(r.classes[c].images, nt_image.as<std::int32_t>()[row.cls]);
      const std::vector<double>* curves[4] = {&row.precision_curve, &row.recall_curve, &row.f1_curve, &row.pr_curve};
      for (int i = 0; i < 4; ++i) {
        const double d = max_abs_diff(*curves[i], curves_ref[i].as<float>() + c * kCurvePoints);
        worst_curve = std::max(worst_curve, d);
        EXPECT_LE(d, 1e-6) << curve_names[i] << " of class " << row.cls;
      }
    }
    const NpyArray means = get(k, "means");  // mp, mr, map50, map, fitness
    const double our_means[5] = {r.precision, r.recall, r.map50, r.map50_95, r.ultralytics_fitness};
    EXPECT_NEAR(r.fitness, 0.1 * r.map50 + 0.9 * r.map50_95, 1e-12);
    for (int i = 0; i < 5; ++i) {
      worst_pr = std::max(worst_pr, std::abs(our_means[i] - means.as<float>()[i]));
      EXPECT_NEAR(our_means[i], means.as<float>()[i], 1e-6) << "mean result " << i;
    }
    const NpyArray confusion = get(k, "confusion");
    ASSERT_EQ(confusion.numel(), static_cast<std::int64_t>(e.confusion.size()));
    for (std::size_t i = 0; i < e.confusion.size(); ++i) {
      EXPECT_EQ(static_cast<double>(e.confusion[i]), confusion.as<float>()[i])
          << "confusion matrix entry [" << i / static_cast<std::size_t>(nc + 1) << "]["
          << i % static_cast<std::size_t>(nc + 1) << "]";
    }
    std::vector<std::string> names;
    for (std::int32_t c = 0; c < nc; ++c) names.push_back(fmt::format("class{}", c));
    const NpyArray table = get(k, "table");
    EXPECT_EQ(format_validation_table(r, names, nc > 1),
              std::string(table.as<char>(), static_cast<std::size_t>(table.numel())));

    // (b) COCOeval.
    if (!get(k, "coco_ran").as<std::int32_t>()[0]) continue;  // no detections: COCO cannot load them
    const NpyArray coco_means = get(k, "coco_means");         // mAP50-95, mAP50
    fmt::print("{:>18}: mAP50-95 {:.4f} (COCOeval {:.4f}), mAP50 {:.4f} (COCOeval {:.4f})\n", f.name, r.map50_95,
               coco_means.as<float>()[0], r.map50, coco_means.as<float>()[1]);
    if (!f.coco_matching) continue;
    EXPECT_EQ(count_mismatches(e.correct, get(k, "coco_matched")), 0) << "correct bits differing from dtMatches";
    const NpyArray coco_ap = get(k, "coco_ap");  // (nc, 10), -1 for classes without targets
    for (std::int32_t c = 0; c < nc; ++c) {
      const std::int64_t n = e.instances[static_cast<std::size_t>(c)];
      const float* want = coco_ap.as<float>() + static_cast<std::size_t>(c) * kNumIouThresholds;
      // The verdicts agree, so COCO's AP is a function of our bits: reproduce
      // it with COCO's sampling.
      for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
        const double d = std::abs(coco_style_ap(e.correct, e.scores, e.pred_classes, n, c, t) - want[t]);
        worst_coco_repro = std::max(worst_coco_repro, d);
        EXPECT_LE(d, 1e-6) << "COCO AP of class " << c << " at threshold " << t;
      }
      if (n == 0) continue;
      // ultralytics' integral vs COCO's, on the same envelope E over the same
      // 101 r_k. With y_k the linear interpolation and q_k COCO's step sample:
      // |y_k - q_k| <= the drop of E across the recall interval (or vertical
      // step) around r_k; recalls step by 1/n, so one piece of E's drop
      // serves at most ceil(100 / n) samples and sum_k |y_k - q_k| <= ceil(100 / n)
      // (E falls by at most 1). trapz = 0.01 sum y - 0.005 y_0 (y_100 = 0),
      // COCO = sum q / 101: |AP_u - AP_coco| <= ceil(100 / n) / 101 + 0.01.
      const double bound = std::ceil(100.0 / static_cast<double>(n)) / 101.0 + 0.01;
      const auto row = std::find_if(r.curves.classes.begin(), r.curves.classes.end(),
                                    [&](const ClassAveragePrecision& x) { return x.cls == c; });
      ASSERT_NE(row, r.curves.classes.end());
      for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
        const double d = std::abs(row->ap[t] - want[t]);
        if (n >= 100) worst_integration = std::max(worst_integration, d);
        EXPECT_LE(d, bound + 1e-6) << "class " << c << " (" << n << " targets) at threshold " << t;
      }
    }
    if (f.name == "perfect") {
      // Every object found exactly: COCO 1 everywhere, ultralytics 0.995 (its p(1) = 0).
      EXPECT_NEAR(coco_means.as<float>()[0], 1.0, 1e-7);
      EXPECT_NEAR(r.map50_95, 0.995, 1e-12);
    }
  }
  fmt::print(
      "max |difference|: ultralytics AP {:.2e}, P/R/means {:.2e}, curves {:.2e}; COCO reproduced from our matches "
      "{:.2e}; ultralytics vs COCO AP (classes with >= 100 targets) {:.4f}\n",
      worst_ap, worst_pr, worst_curve, worst_coco_repro, worst_integration);
}

}  // namespace
}  // namespace yolo
