// defines: DetectionMetrics, format_validation_table.
#include "engine/eval/detection_metrics.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/core/error.h"

namespace yolo {

DetectionMetrics::DetectionMetrics(std::int32_t num_classes)
    : num_classes_(num_classes),
      images_with_class_(static_cast<std::size_t>(std::max(num_classes, 0)), 0),
      confusion_(std::max(num_classes, 1)) {
  YOLO_CHECK(num_classes >= 1, "detection metrics: {} classes", num_classes);
}

std::vector<CorrectAtThresholds> DetectionMetrics::add_image(std::span<const PredictedBox> predictions,
                                                             std::span<const TargetBox> targets) {
  std::vector<bool> present(static_cast<std::size_t>(num_classes_), false);
  for (const TargetBox& t : targets) {
    YOLO_CHECK(t.cls >= 0 && t.cls < num_classes_, "detection metrics: target class {} outside [0, {})", t.cls,
               num_classes_);
    present[static_cast<std::size_t>(t.cls)] = true;
  }
  for (const PredictedBox& p : predictions) {
    YOLO_CHECK(p.cls >= 0 && p.cls < num_classes_, "detection metrics: predicted class {} outside [0, {})", p.cls,
               num_classes_);
  }
  std::vector<CorrectAtThresholds> correct = match_predictions(predictions, targets);
  confusion_.add_image(predictions, targets);
  ++images_;
  for (std::size_t c = 0; c < present.size(); ++c) images_with_class_[c] += present[c] ? 1 : 0;
  correct_.insert(correct_.end(), correct.begin(), correct.end());
  for (const PredictedBox& p : predictions) scores_.push_back(p.score), pred_classes_.push_back(p.cls);
  for (const TargetBox& t : targets) target_classes_.push_back(t.cls);
  return correct;
}

DetectionMetricsResult DetectionMetrics::compute() const {
  DetectionMetricsResult r;
  r.images = images_;
  r.instances = static_cast<std::int64_t>(target_classes_.size());
  r.curves = ap_per_class(correct_, scores_, pred_classes_, target_classes_);
  r.precision = r.curves.mean_precision;
  r.recall = r.curves.mean_recall;
  r.map50 = r.curves.map50;
  r.map50_95 = r.curves.map50_95;
  r.fitness = 0.1 * r.map50 + 0.9 * r.map50_95;
  r.ultralytics_fitness = r.map50_95;
  for (const ClassAveragePrecision& c : r.curves.classes) {
    r.classes.push_back({c.cls, images_with_class_[static_cast<std::size_t>(c.cls)], c.instances, c.precision, c.recall,
                         c.map50(), c.map50_95()});
  }
  return r;
}

void DetectionMetrics::reset() {
  images_ = 0;
  correct_.clear();
  scores_.clear();
  pred_classes_.clear();
  target_classes_.clear();
  std::fill(images_with_class_.begin(), images_with_class_.end(), 0);
  confusion_.reset();
}

std::string format_validation_table(const DetectionMetricsResult& result, std::span<const std::string> names,
                                    bool per_class) {
  // Python's "%11.3g" is fmt's "{:>11.3g}": both C's %g (trailing zeros dropped).
  std::string out = fmt::format("{:>22}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "Class", "Images", "Instances", "Box(P",
                                "R", "mAP50", "mAP50-95)");
  const auto row = [&](const std::string& name, std::int64_t images, std::int64_t instances, double p, double r,
                       double m50, double m) {
    out +=
        fmt::format("{:>22}{:>11}{:>11}{:>11.3g}{:>11.3g}{:>11.3g}{:>11.3g}\n", name, images, instances, p, r, m50, m);
  };
  row("all", result.images, result.instances, result.precision, result.recall, result.map50, result.map50_95);
  if (per_class) {
    for (const ClassMetrics& c : result.classes) {
      const auto i = static_cast<std::size_t>(c.cls);
      row(i < names.size() ? names[i] : std::to_string(c.cls), c.images, c.instances, c.precision, c.recall, c.map50,
          c.map50_95);
    }
  }
  return out;
}

}  // namespace yolo
