#include "tests/support/gradient_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "tests/support/test_support.h"

namespace yolo::test {
namespace {

// `t` is a contiguous f32 host tensor: the only kind the check reads or writes.
void require_host_f32(const Tensor& t, const std::string& name, const std::string& what) {
  YOLO_CHECK(t.defined() && t.dtype() == DType::f32 && t.device().is_cpu() && t.is_contiguous(),
             "check_gradients({}): {} must be a contiguous f32 host tensor, got {}", name, what,
             t.defined() ? t.str() : std::string("an undefined tensor"));
}

// "(n, h, w, c)" of flat element `i` in `shape`, for the failure message.
std::string unravel(const Shape& shape, std::int64_t i) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.ndim()));
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    index[static_cast<std::size_t>(d)] = i % shape[d];
    i /= shape[d];
  }
  std::ostringstream s;
  s << "(";
  for (std::size_t d = 0; d < index.size(); ++d) s << (d ? ", " : "") << index[d];
  s << ")";
  return s.str();
}

}  // namespace

void check_gradients(const std::string& name, const std::vector<Tensor*>& inputs, const ForwardFn& forward,
                     const BackwardFn& backward, const GradientCheck& options) {
  YOLO_CHECK(!inputs.empty() && options.step > 0.0, "check_gradients({}): no inputs, or step {} <= 0", name,
             options.step);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    YOLO_CHECK(inputs[i] != nullptr, "check_gradients({}): input {} is null", name, i);
    require_host_f32(*inputs[i], name, "input " + std::to_string(i));
  }
  Context host;

  // The forward at the unperturbed inputs, which backward may rely on.
  const std::vector<Tensor> y0 = forward();
  YOLO_CHECK(!y0.empty(), "check_gradients({}): the forward returned no outputs", name);
  std::vector<Tensor> weights;
  for (std::size_t k = 0; k < y0.size(); ++k) {
    require_host_f32(y0[k], name, "output " + std::to_string(k));
    weights.push_back(random_uniform(host, y0[k].shape(), options.seed + static_cast<std::uint32_t>(k), -1.0f, 1.0f));
  }
  // L = sum_k sum_i g_k[i] * y_k[i], and sum_k sum_i |g_k[i] * y_k[i]| (its scale).
  auto weighted_sum = [&](const std::vector<Tensor>& ys, double* magnitude) {
    YOLO_CHECK(ys.size() == weights.size(), "check_gradients({}): the forward returned {} outputs, then {}", name,
               weights.size(), ys.size());
    double sum = 0.0, abs_sum = 0.0;
    for (std::size_t k = 0; k < ys.size(); ++k) {
      require_host_f32(ys[k], name, "output " + std::to_string(k));
      YOLO_CHECK(ys[k].shape() == weights[k].shape(), "check_gradients({}): output {} was {}, now {}", name, k,
                 weights[k].shape().str(), ys[k].shape().str());
      const float* y = ys[k].data<float>();
      const float* g = weights[k].data<float>();
      for (std::int64_t i = 0; i < ys[k].numel(); ++i) {
        const double term = static_cast<double>(g[i]) * static_cast<double>(y[i]);
        sum += term;
        abs_sum += std::abs(term);
      }
    }
    if (magnitude != nullptr) *magnitude = abs_sum;
    return sum;
  };
  double magnitude = 0.0;
  const double loss0 = weighted_sum(y0, &magnitude);

  // The analytic gradients, copied out: the tensors backward returns may
  // share storage with buffers the next forward overwrites.
  const std::vector<Tensor> grads = backward(weights);
  ASSERT_EQ(grads.size(), inputs.size()) << name << ": backward must return one gradient per input";
  std::vector<std::vector<float>> analytic(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    require_host_f32(grads[i], name, "gradient " + std::to_string(i));
    ASSERT_EQ(grads[i].shape(), inputs[i]->shape())
        << name << ": gradient " << i << " is " << grads[i].str() << ", its input " << inputs[i]->str();
    analytic[i] = host_floats(host, grads[i]);
  }

  const double h = options.step;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    float* x = inputs[i]->data<float>();
    const std::int64_t n = inputs[i]->numel();
    std::int64_t bad = 0, worst = -1;
    double worst_excess = 0.0, worst_numeric = 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
      const float original = x[j];
      // The steps as the f32 input holds them: divide by the actual distance.
      const float plus = static_cast<float>(original + h), minus = static_cast<float>(original - h);
      x[j] = plus;
      const double loss_plus = weighted_sum(forward(), nullptr);
      x[j] = minus;
      const double loss_minus = weighted_sum(forward(), nullptr);
      x[j] = original;
      const double numeric = (loss_plus - loss_minus) / (static_cast<double>(plus) - static_cast<double>(minus));
      const double a = analytic[i][static_cast<std::size_t>(j)];
      const bool finite = std::isfinite(a) && std::isfinite(numeric);
      const double excess =
          finite ? std::abs(a - numeric) - (options.atol + options.rtol * std::abs(numeric)) : INFINITY;
      if (excess > 0.0) {
        ++bad;
        if (worst < 0 || excess > worst_excess) {
          worst = j;
          worst_excess = excess;
          worst_numeric = numeric;
        }
      }
    }
    EXPECT_EQ(bad, 0) << name << ": input " << i << " " << inputs[i]->str() << ": " << bad << " of " << n
                      << " gradient elements outside atol " << options.atol << " + rtol " << options.rtol
                      << " * |numeric| (step " << h << "); worst: element " << worst << " "
                      << (worst >= 0 ? unravel(inputs[i]->shape(), worst) : std::string()) << ": analytic "
                      << (worst >= 0 ? analytic[i][static_cast<std::size_t>(worst)] : 0.0f) << ", numeric "
                      << worst_numeric;
  }

  // Every input is restored and the forward depends on nothing else: L is
  // back where it started (up to the forward's own run-to-run rounding).
  const double loss_after = weighted_sum(forward(), nullptr);
  EXPECT_NEAR(loss_after, loss0, 1e-6 * magnitude + 1e-12)
      << name << ": the forward is not a function of the inputs alone (or an input was not restored)";
}

}  // namespace yolo::test
