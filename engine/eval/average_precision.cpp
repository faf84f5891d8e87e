// defines: ap_per_class, compute_ap, smooth_box and the numpy pieces they
// need (linspace, interp) with numpy's exact arithmetic.
#include "engine/eval/average_precision.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "engine/core/error.h"

namespace yolo {
namespace {

// numpy's linspace(0, 1, n): i * (1 / (n - 1)), the last point exactly 1.
std::vector<double> unit_linspace(std::size_t n) {
  std::vector<double> x(n);
  const double step = 1.0 / static_cast<double>(n - 1);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i) * step;
  x[n - 1] = 1.0;
  return x;
}

// numpy's interp for one x over ascending xp (repeats allowed): with j the
// last index where xp[j] <= x, f = fp[j] + (x - xp[j]) (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]);
// `left` below xp[0], `right` above xp[n-1], and exactly fp[j] when x == xp[j]
// (so at a repeated xp the last of the repeats wins).
double interp(double x, std::span<const double> xp, std::span<const double> fp, double left, double right) {
  const std::size_t n = xp.size();
  if (x > xp[n - 1]) return right;
  const std::size_t above = static_cast<std::size_t>(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin());
  if (above == 0) return left;
  const std::size_t j = above - 1;
  if (j == n - 1 || xp[j] == x) return fp[j];
  const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

// compute_ap's curve: recall with sentinels 0 before and (r_last, 1) after,
// precision with 1 before and (0, 0) after, made non-increasing:
// p(i) = max_{j >= i} p(j). The envelope starts at 1 and ends at 0.
struct Envelope {
  std::vector<double> recall, precision;
};

Envelope precision_envelope(std::span<const double> recall, std::span<const double> precision) {
  YOLO_CHECK(recall.size() == precision.size(), "compute_ap: {} recalls, {} precisions", recall.size(),
             precision.size());
  Envelope e;
  e.recall.reserve(recall.size() + 3);
  e.precision.reserve(recall.size() + 3);
  e.recall.push_back(0.0);
  e.precision.push_back(1.0);
  e.recall.insert(e.recall.end(), recall.begin(), recall.end());
  e.precision.insert(e.precision.end(), precision.begin(), precision.end());
  e.recall.insert(e.recall.end(), {recall.empty() ? 1.0 : recall.back(), 1.0});
  e.precision.insert(e.precision.end(), {0.0, 0.0});
  for (std::size_t i = e.precision.size() - 1; i-- > 0;) e.precision[i] = std::max(e.precision[i], e.precision[i + 1]);
  return e;
}

double mean(std::span<const double> v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

double ClassAveragePrecision::map50_95() const { return mean(ap); }

double compute_ap(std::span<const double> recall, std::span<const double> precision) {
  const Envelope e = precision_envelope(recall, precision);
  const std::vector<double> x = unit_linspace(101);
  std::vector<double> y(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) y[k] = interp(x[k], e.recall, e.precision, 1.0, 0.0);
  double ap = 0.0;  // numpy's trapz, term for term
  for (std::size_t k = 0; k + 1 < x.size(); ++k) ap += (x[k + 1] - x[k]) * (y[k + 1] + y[k]) / 2.0;
  return ap;
}

std::vector<double> smooth_box(std::span<const double> y, double fraction) {
  YOLO_CHECK(!y.empty() && fraction >= 0.0, "smooth_box: {} values, fraction {}", y.size(), fraction);
  // Python's round() rounds halves to even, as nearbyint in the default mode.
  const auto nf = static_cast<std::size_t>(std::nearbyint(static_cast<double>(y.size()) * fraction * 2.0)) / 2 + 1;
  const std::size_t pad = nf / 2;
  std::vector<double> padded(pad, y.front());
  padded.insert(padded.end(), y.begin(), y.end());
  padded.insert(padded.end(), pad, y.back());
  const double w = 1.0 / static_cast<double>(nf);  // np.ones(nf) / nf
  // np.convolve(padded, w, "valid"): out[i] = sum_k padded[i + k] w.
  std::vector<double> out(padded.size() + 1 - nf);
  for (std::size_t i = 0; i < out.size(); ++i) {
    double s = 0.0;
    for (std::size_t k = 0; k < nf; ++k) s += padded[i + k] * w;
    out[i] = s;
  }
  return out;
}

AveragePrecision ap_per_class(std::span<const CorrectAtThresholds> correct, std::span<const float> scores,
                              std::span<const std::int32_t> pred_classes,
                              std::span<const std::int32_t> target_classes) {
  YOLO_CHECK(correct.size() == scores.size() && scores.size() == pred_classes.size(),
             "ap_per_class: {} correct rows, {} scores, {} classes", correct.size(), scores.size(),
             pred_classes.size());
  std::map<std::int32_t, std::int64_t> instances;  // ascending class ids, as np.unique
  for (const std::int32_t c : target_classes) ++instances[c];
  const std::vector<std::size_t> order = descending_score_order(scores);
  const std::vector<double> axis = unit_linspace(kCurvePoints);

  AveragePrecision out;
  for (const auto& [cls, n_targets] : instances) {
    ClassAveragePrecision row;
    row.cls = cls;
    row.instances = n_targets;
    row.precision_curve.assign(kCurvePoints, 0.0);
    row.recall_curve.assign(kCurvePoints, 0.0);
    row.pr_curve.assign(kCurvePoints, 0.0);
    std::vector<double> neg_conf;  // -score down the ranking: ascending, as interp needs
    std::array<std::vector<double>, kNumIouThresholds> recall, precision;
    std::array<std::int64_t, kNumIouThresholds> tp{}, fp{};
    for (const std::size_t i : order) {
      if (pred_classes[i] != cls) continue;
      neg_conf.push_back(-static_cast<double>(scores[i]));
      for (std::size_t t = 0; t < kNumIouThresholds; ++t) {
        (correct[i][t] ? tp[t] : fp[t]) += 1;
        recall[t].push_back(static_cast<double>(tp[t]) / (static_cast<double>(n_targets) + 1e-16));
        precision[t].push_back(static_cast<double>(tp[t]) / static_cast<double>(tp[t] + fp[t]));
      }
    }
    if (!neg_conf.empty()) {
      // R and P at confidence x: interp(-x, -conf, ., left = 0 / 1), at IoU 0.5.
      for (std::size_t k = 0; k < kCurvePoints; ++k) {
        row.recall_curve[k] = interp(-axis[k], neg_conf, recall[0], 0.0, recall[0].back());
        row.precision_curve[k] = interp(-axis[k], neg_conf, precision[0], 1.0, precision[0].back());
      }
      for (std::size_t t = 0; t < kNumIouThresholds; ++t) row.ap[t] = compute_ap(recall[t], precision[t]);
      // The PR plot's curve: compute_ap's envelope at IoU 0.5 against recall.
      const Envelope e = precision_envelope(recall[0], precision[0]);
      for (std::size_t k = 0; k < kCurvePoints; ++k) row.pr_curve[k] = interp(axis[k], e.recall, e.precision, 1.0, 0.0);
    }
    row.f1_curve.resize(kCurvePoints);
    for (std::size_t k = 0; k < kCurvePoints; ++k) {
      // F1 = 2 P R / (P + R + eps)
      const double p = row.precision_curve[k], r = row.recall_curve[k];
      row.f1_curve[k] = 2.0 * p * r / (p + r + 1e-16);
    }
    out.classes.push_back(std::move(row));
  }
  if (out.classes.empty()) return out;

  // The confidence of the best F1 averaged over classes, after smoothing.
  std::vector<double> mean_f1(kCurvePoints, 0.0);
  for (const ClassAveragePrecision& row : out.classes) {
    for (std::size_t k = 0; k < kCurvePoints; ++k) mean_f1[k] += row.f1_curve[k];
  }
  for (double& v : mean_f1) v /= static_cast<double>(out.classes.size());
  const std::vector<double> smoothed = smooth_box(mean_f1, 0.1);
  // argmax, the first index of the maximum. Values within 1e-12 relative
  // count as equal: a plateau's sums differ in their last bits between our
  // summation and numpy's, and on a plateau P and R do not change anyway.
  const double best = *std::max_element(smoothed.begin(), smoothed.end());
  out.best_f1_index = static_cast<std::size_t>(
      std::find_if(smoothed.begin(), smoothed.end(), [&](double v) { return v >= best - 1e-12 * std::abs(best); }) -
      smoothed.begin());

  std::vector<double> p, r, ap50, ap_all;
  for (ClassAveragePrecision& row : out.classes) {
    row.precision = row.precision_curve[out.best_f1_index];
    row.recall = row.recall_curve[out.best_f1_index];
    row.f1 = row.f1_curve[out.best_f1_index];
    p.push_back(row.precision);
    r.push_back(row.recall);
    ap50.push_back(row.ap[0]);
    ap_all.insert(ap_all.end(), row.ap.begin(), row.ap.end());
  }
  out.mean_precision = mean(p);
  out.mean_recall = mean(r);
  out.map50 = mean(ap50);
  out.map50_95 = mean(ap_all);
  return out;
}

}  // namespace yolo
