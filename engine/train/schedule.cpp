#include "engine/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace yolo {
namespace {

// np.interp(x, [0, n], [a, b]) for 0 <= x: b past the end.
double interpolate(double x, double n, double a, double b) { return x >= n ? b : a + (b - a) * x / n; }

}  // namespace

double lr_factor(double epoch, int epochs, double lrf, bool cosine) {
  if (cosine) return ((1.0 - std::cos(epoch * std::numbers::pi / epochs)) / 2.0) * (lrf - 1.0) + 1.0;
  return std::max(1.0 - epoch / epochs, 0.0) * (1.0 - lrf) + lrf;
}

std::int64_t warmup_iterations(double warmup_epochs, std::int64_t batches_per_epoch, int epochs) {
  const double we = std::min(warmup_epochs, static_cast<double>(std::max(epochs - 1, 0)));
  // Python's round: half to even, as nearbyint in the default rounding mode.
  return we > 0 ? static_cast<std::int64_t>(std::nearbyint(we * static_cast<double>(batches_per_epoch))) : 0;
}

StepSettings step_settings(const Hyperparameters& h, std::int64_t ni, std::int64_t nw, int epoch, int epochs,
                           bool cosine, int batch, std::int64_t total_batches) {
  const double target = h.lr0 * lr_factor(epoch, epochs, h.lrf, cosine);
  const double nominal = std::min(std::max(std::nearbyint(h.nbs / batch), 1.0), static_cast<double>(total_batches));
  StepSettings s{};
  if (nw > 0 && ni <= nw) {
    const double x = static_cast<double>(ni), n = static_cast<double>(nw);
    s.accumulate = std::max(1, static_cast<int>(std::nearbyint(interpolate(x, n, 1.0, nominal))));
    const auto weights = static_cast<float>(interpolate(x, n, 0.0, target));
    s.lr = {weights, weights, static_cast<float>(interpolate(x, n, h.warmup_bias_lr, target))};
    s.momentum = static_cast<float>(interpolate(x, n, h.warmup_momentum, h.momentum));
    return s;
  }
  s.accumulate = std::max(1, static_cast<int>(std::nearbyint(nominal)));
  s.lr = {static_cast<float>(target), static_cast<float>(target), static_cast<float>(target)};
  s.momentum = static_cast<float>(h.momentum);
  return s;
}

}  // namespace yolo
