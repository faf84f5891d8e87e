// The IoU-family box loss: the terms of kernels/box_iou.h against finite
// differences, and the op box_loss (engine/loss/box_loss.h) against those terms.
//
// Finite differences run on the very templates the kernel runs, in double:
// a float central difference would drown a 1e-6 check in rounding. Each
// coordinate gets two second-order one-sided differences,
//   R = (-3 f(x) + 4 f(x + h) - f(x + 2h)) / 2h,  L = (3 f(x) - 4 f(x - h) + f(x - 2h)) / 2h,
// whose error is h^2 / 3 |f'''| (truncation) plus about 3 eps_f64 |f| / h
// (rounding): with h = 1e-5 * the boxes' extent they stay near 1e-8 of the
// gradient's scale (the worst measured is 1e-8), so the check is 1e-6 relative. Where f is smooth, R = L
// and the check uses (R + L) / 2. At a kink the analytic gradient is torch's
// subgradient:
//   a tie of min/max (identical edges): half to each side, which is (R + L) / 2
//     (the kink functions are piecewise linear, so the composition's one-sided
//     derivatives are the smooth part plus one side's share each);
//   clamp(., 0) of an intersection side exactly at 0 (touching boxes, a
//     zero-width box inside the other): the one-sided derivative from the
//     overlapping side, R or L, named by the case.
// CIoU's alpha is held fixed at its value at the unperturbed boxes, as
// autograd does (torch.no_grad in ultralytics). A zero-height box is left to
// the oracle test: its h1 is eps, so a step crosses h1 = 0, where CIoU's
// atan(w1 / h1) jumps by pi.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/loss/box_loss.h"
#include "engine/loss/box_loss_impl.h"
#include "kernels/box_iou.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

constexpr IouType kTypes[] = {IouType::iou, IouType::giou, IouType::diou, IouType::ciou, IouType::mpdiou};
constexpr double kImageW = 64.0, kImageH = 48.0;  // MPDIoU's image, in the boxes' units
constexpr double kGradientTol = 1e-6;

// Which one-sided difference torch's subgradient is, per coordinate.
enum class Side { both, right, left };

struct BoxCase {
  std::string name;
  Box<double> p, t;
  double weight = 1.0;
  Side side[4] = {Side::both, Side::both, Side::both, Side::both};  // x1, y1, x2, y2
};

double& coord(Box<double>& b, int k) { return k == 0 ? b.x1 : (k == 1 ? b.y1 : (k == 2 ? b.x2 : b.y2)); }
double coord(const Box<double>& b, int k) { return k == 0 ? b.x1 : (k == 1 ? b.y1 : (k == 2 ? b.x2 : b.y2)); }

// The loss of `type` and its gradient in double; alpha < 0: CIoU computes its own.
BoxValueGrad<double> loss_and_grad(IouType type, const Box<double>& p, const Box<double>& t, double weight,
                                   double alpha = -1.0) {
  const BoxTermParams<double> params{kImageW, kImageH, alpha};
  BoxValueGrad<double> r{};
  visit_iou_type(type, [&]<class Term>() { r = box_loss_and_grad<Term>(p, t, weight, params); });
  return r;
}

// The degenerate cases the conventions are about, plus a few plain ones.
std::vector<BoxCase> degenerate_cases() {
  std::vector<BoxCase> c;
  c.push_back({"identical", {1, 2, 4, 6}, {1, 2, 4, 6}, 0.8});  // every min/max a tie
  c.push_back({"shared x1 and y2", {1, 1, 4, 4}, {1, 2, 3, 4}, 1.0});
  c.push_back({"disjoint", {0, 0, 1, 1}, {3, 4, 5, 6}, 1.0});
  c.push_back({"disjoint in x only", {0, 2, 1, 5}, {3, 1, 5, 6}, 0.6});
  c.push_back({"target inside pred", {0, 0, 10, 8}, {2, 3, 5, 6}, 1.0});
  c.push_back({"pred inside target", {2, 3, 5, 6}, {0, 0, 10, 8}, 1.0});
  // A zero-width box inside the target's x range: the intersection width
  // min(x2) - max(x1) = 0, so clamp passes: x2 grows it (R), x1 shrinking does (L).
  c.push_back(
      {"zero-width pred inside", {3, 1, 3, 4}, {1, 2, 5, 6}, 1.0, {Side::left, Side::both, Side::right, Side::both}});
  c.push_back({"zero-width pred outside", {7, 1, 7, 4}, {1, 2, 5, 6}, 1.0});
  // Edges touching: overlap grows with p.x2 (R), with p.x1 decreasing (L), with p.y2 (R), with p.y1 decreasing (L).
  c.push_back(
      {"touching, pred left", {0, 0, 2, 2}, {2, 0.5, 4, 1.5}, 1.0, {Side::both, Side::both, Side::right, Side::both}});
  c.push_back(
      {"touching, pred right", {4, 0, 6, 2}, {2, 0.5, 4, 1.5}, 1.0, {Side::left, Side::both, Side::both, Side::both}});
  c.push_back(
      {"touching, pred below", {0, 0, 2, 2}, {0.5, 2, 1.5, 3}, 1.0, {Side::both, Side::both, Side::both, Side::right}});
  c.push_back(
      {"touching, pred above", {0.5, 3, 1.5, 4}, {0, 0, 2, 3}, 1.0, {Side::both, Side::left, Side::both, Side::both}});
  // Corners touching: each intersection side is 0, so inter = iw * ih has no first-order change in one coordinate.
  c.push_back({"corners touching", {0, 0, 2, 2}, {2, 2, 3, 3}, 1.0});
  c.push_back({"large, offset", {100, 200, 180, 260}, {110, 190, 200, 250}, 2.5});
  return c;
}

// Boxes around a target with centres within +-4 and sides in [0.5, 12]: most overlap, some do not.
std::vector<BoxCase> random_cases(std::uint32_t seed, int n) {
  ::testing::Test::RecordProperty("seed", static_cast<int>(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> centre(10.0, 50.0), offset(-4.0, 4.0), side(0.5, 12.0), weight(0.05, 1.0);
  std::vector<BoxCase> c;
  for (int i = 0; i < n; ++i) {
    const double tx = centre(rng), ty = centre(rng), tw = side(rng), th = side(rng);
    const double px = tx + offset(rng), py = ty + offset(rng), pw = side(rng), ph = side(rng);
    c.push_back({"random " + std::to_string(i),
                 {px - pw / 2, py - ph / 2, px + pw / 2, py + ph / 2},
                 {tx - tw / 2, ty - th / 2, tx + tw / 2, ty + th / 2},
                 weight(rng)});
  }
  return c;
}

// The boxes' extent: the step and the gradient's natural scale (weight / extent) follow it.
double extent(const BoxCase& c) {
  const double w = std::max(c.p.x2, c.t.x2) - std::min(c.p.x1, c.t.x1);
  const double h = std::max(c.p.y2, c.t.y2) - std::min(c.p.y1, c.t.y1);
  return std::max(w, h);
}

struct OneSided {
  double right, left;
};

// R and L of the loss in coordinate k of p (alpha fixed at the unperturbed boxes' value)
OneSided one_sided_differences(IouType type, const BoxCase& c, int k) {
  const double alpha = CiouTerm::alpha(c.p, c.t);
  const double h = 1e-5 * extent(c);
  auto f = [&](double dx) {
    Box<double> p = c.p;
    coord(p, k) += dx;
    return loss_and_grad(type, p, c.t, c.weight, alpha).value;
  };
  const double f0 = f(0.0);
  return {(-3.0 * f0 + 4.0 * f(h) - f(2.0 * h)) / (2.0 * h), (3.0 * f0 - 4.0 * f(-h) + f(-2.0 * h)) / (2.0 * h)};
}

// Fails the test for every coordinate whose analytic gradient is off the
// selected finite difference by more than kGradientTol * max(|numeric|, weight / extent);
// returns the worst |analytic - numeric| / max(|numeric|, weight / extent).
double expect_gradient_matches(IouType type, const BoxCase& c) {
  const BoxValueGrad<double> r = loss_and_grad(type, c.p, c.t, c.weight);
  const double scale = c.weight / extent(c);
  double worst = 0.0;
  for (int k = 0; k < 4; ++k) {
    const OneSided d = one_sided_differences(type, c, k);
    const double numeric =
        c.side[k] == Side::right ? d.right : (c.side[k] == Side::left ? d.left : 0.5 * (d.right + d.left));
    const double analytic = coord(r.grad, k);
    EXPECT_LE(std::abs(analytic - numeric), kGradientTol * std::max(std::abs(numeric), scale))
        << iou_type_name(type) << ", " << c.name << ", coordinate " << k << ": analytic " << analytic << ", numeric "
        << numeric << " (R " << d.right << ", L " << d.left << ")";
    worst = std::max(worst, std::abs(analytic - numeric) / std::max(std::abs(numeric), scale));
  }
  return worst;
}

class BoxLossGradient : public ::testing::TestWithParam<IouType> {};

TEST_P(BoxLossGradient, MatchesFiniteDifferencesOnRandomBoxes) {
  double worst = 0.0;
  for (const BoxCase& c : random_cases(3100, 300)) worst = std::max(worst, expect_gradient_matches(GetParam(), c));
  RecordProperty("worst_relative_error", fmt::format("{:.3g}", worst));
}

TEST_P(BoxLossGradient, MatchesTorchSubgradientsOnDegenerateBoxes) {
  double worst = 0.0;
  for (const BoxCase& c : degenerate_cases()) worst = std::max(worst, expect_gradient_matches(GetParam(), c));
  RecordProperty("worst_relative_error", fmt::format("{:.3g}", worst));
}

TEST_P(BoxLossGradient, ClampSideIsOneSidedNotCentral) {
  // The check can tell the conventions apart: at touching edges the two
  // one-sided derivatives differ, and the analytic one is R, not their mean.
  const std::vector<BoxCase> cases = degenerate_cases();
  const auto it =
      std::find_if(cases.begin(), cases.end(), [](const BoxCase& c) { return c.name == "touching, pred left"; });
  ASSERT_NE(it, cases.end());
  const BoxCase& c = *it;
  const OneSided d = one_sided_differences(GetParam(), c, 2);
  const double analytic = loss_and_grad(GetParam(), c.p, c.t, c.weight).grad.x2;
  EXPECT_GT(std::abs(d.right - d.left), 0.1 * std::abs(d.right));
  EXPECT_LE(std::abs(analytic - d.right), kGradientTol * std::abs(d.right));
  EXPECT_GT(std::abs(analytic - 0.5 * (d.right + d.left)), 1e-2 * std::abs(d.right));
}

TEST_P(BoxLossGradient, ValuesAtKnownPoints) {
  const IouType type = GetParam();
  // Identical 3 x 4 boxes: h1 = h2 = 4 + eps but the intersection's height is
  // 4, so inter = 12, union = 2 * 3 * (4 + eps) - 12 + eps = 12 + 7 eps;
  // GIoU's enclosing area is 12 + eps (no eps in its height), the other penalties are 0.
  const Box<double> b{1, 2, 4, 6};
  const double eps = 1e-7, uni = 12.0 + 7.0 * eps, c_area = 12.0 + eps;
  const double term = 12.0 / uni - (type == IouType::giou ? (c_area - uni) / c_area : 0.0);
  EXPECT_NEAR(loss_and_grad(type, b, b, 2.0).value, 2.0 * (1.0 - term), 1e-15);
  // Disjoint boxes: iou 0, so the IoU loss is the weight and has no gradient.
  const BoxValueGrad<double> r = loss_and_grad(type, {0, 0, 1, 1}, {3, 4, 5, 6}, 0.5);
  if (type == IouType::iou) {
    EXPECT_EQ(r.value, 0.5);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(coord(r.grad, k), 0.0);
  } else {
    EXPECT_GT(r.value, 0.5);  // every other term adds a penalty that pulls the boxes together
    EXPECT_LT(r.grad.x2, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(BoxLoss, BoxLossGradient, ::testing::ValuesIn(kTypes),
                         [](const auto& info) { return std::string(iou_type_name(info.param)); });

// ---------------------------------------------------------------- the op

// box_loss on the cpu (float) against the double terms: the same arithmetic,
// so float rounding only. Loss 1e-5 relative, with an absolute floor of
// 1e-6 * weight: near iou = 1 the loss 1 - iou cancels, and keeps iou's
// absolute rounding (a few eps_f32). Gradients 1e-4 relative to each anchor's
// largest component, with an absolute floor of 1e-6 * weight / extent (the
// size of the terms a component sums): a component that cancels keeps the
// rounding of its terms. Identical boxes are the extreme: the IoU's gradient
// is eps / area^2 ~ 1e-9 in double, and exactly 0 in float, where
// inter + eps rounds to inter.
TEST(BoxLoss, CpuOpMatchesDoubleTerms) {
  std::vector<BoxCase> cases = degenerate_cases();
  for (const BoxCase& c : random_cases(3101, 20000)) cases.push_back(c);  // above Exec's serial threshold
  const auto P = static_cast<std::int64_t>(cases.size());
  Context ctx;
  Tensor pred = ctx.empty({P, 4}, DType::f32), target = ctx.empty({P, 4}, DType::f32),
         weight = ctx.empty({P}, DType::f32);
  for (std::int64_t i = 0; i < P; ++i) {
    for (int k = 0; k < 4; ++k) {
      pred.data<float>()[i * 4 + k] = static_cast<float>(coord(cases[i].p, k));
      target.data<float>()[i * 4 + k] = static_cast<float>(coord(cases[i].t, k));
    }
    weight.data<float>()[i] = static_cast<float>(cases[i].weight);
  }
  for (IouType type : kTypes) {
    SCOPED_TRACE(std::string(iou_type_name(type)));
    Tensor loss = ctx.empty({P}, DType::f32), grad = ctx.empty({P, 4}, DType::f32);
    box_loss(ctx, pred, target, weight, type, static_cast<float>(kImageW), static_cast<float>(kImageH), loss, grad);
    int bad_loss = 0, bad_grad = 0;
    for (std::int64_t i = 0; i < P; ++i) {
      // the reference from the float inputs, widened
      Box<double> p{}, t{};
      for (int k = 0; k < 4; ++k) {
        coord(p, k) = pred.data<float>()[i * 4 + k];
        coord(t, k) = target.data<float>()[i * 4 + k];
      }
      const double w = weight.data<float>()[i];
      const BoxValueGrad<double> r = loss_and_grad(type, p, t, w);
      if (std::abs(loss.data<float>()[i] - r.value) > 1e-5 * std::abs(r.value) + 1e-6 * w) {
        if (++bad_loss <= 3)
          ADD_FAILURE() << cases[i].name << ": loss " << loss.data<float>()[i] << ", expected " << r.value;
      }
      double scale = 0.0;
      for (int k = 0; k < 4; ++k) scale = std::max(scale, std::abs(coord(r.grad, k)));
      for (int k = 0; k < 4; ++k) {
        const double a = grad.data<float>()[i * 4 + k], e = coord(r.grad, k);
        if (std::abs(a - e) > 1e-4 * std::max(std::abs(e), scale) + 1e-6 * w / extent(cases[i])) {
          if (++bad_grad <= 3) ADD_FAILURE() << cases[i].name << ": grad " << k << " " << a << ", expected " << e;
        }
      }
    }
    EXPECT_EQ(bad_loss, 0);
    EXPECT_EQ(bad_grad, 0);
  }
}

TEST(BoxLoss, NoPositiveAnchorsIsANoOp) {
  Context ctx;
  Tensor pred = ctx.empty({0, 4}, DType::f32), weight = ctx.empty({0}, DType::f32);
  Tensor loss = ctx.empty({0}, DType::f32), grad = ctx.empty({0, 4}, DType::f32);
  for (IouType type : kTypes) EXPECT_NO_THROW(box_loss(ctx, pred, pred, weight, type, 640, 640, loss, grad));
}

TEST(BoxLoss, RejectsBadArguments) {
  Context ctx;
  const std::int64_t P = 5;
  Tensor pred = ctx.empty({P, 4}, DType::f32), target = ctx.empty({P, 4}, DType::f32),
         weight = ctx.empty({P}, DType::f32);
  Tensor loss = ctx.empty({P}, DType::f32), grad = ctx.empty({P, 4}, DType::f32);
  Tensor wrong_rows = ctx.empty({P + 1, 4}, DType::f32), xywh5 = ctx.empty({P, 5}, DType::f32);
  Tensor half = ctx.empty({P, 4}, DType::f16), weight2d = ctx.empty({P, 1}, DType::f32);
  const IouType ciou = IouType::ciou;
  EXPECT_THROW(box_loss(ctx, xywh5, target, weight, ciou, 1, 1, loss, grad), Error);
  EXPECT_THROW(box_loss(ctx, pred, wrong_rows, weight, ciou, 1, 1, loss, grad), Error);
  EXPECT_THROW(box_loss(ctx, half, target, weight, ciou, 1, 1, loss, grad), Error);
  EXPECT_THROW(box_loss(ctx, pred, target, weight2d, ciou, 1, 1, loss, grad), Error);
  EXPECT_THROW(box_loss(ctx, pred, target, weight, ciou, 1, 1, wrong_rows, grad), Error);
  EXPECT_THROW(box_loss(ctx, pred, target, weight, ciou, 1, 1, loss, wrong_rows), Error);
  EXPECT_THROW(box_loss(ctx, pred, target, Tensor(), ciou, 1, 1, loss, grad), Error);
  // MPDIoU needs the image size; the others ignore it.
  EXPECT_THROW(box_loss(ctx, pred, target, weight, IouType::mpdiou, 0, 640, loss, grad), Error);
  EXPECT_THROW(box_loss(ctx, pred, target, weight, IouType::mpdiou, 640, NAN, loss, grad), Error);
}

TEST(BoxLoss, ParseIouType) {
  for (IouType type : kTypes) EXPECT_EQ(parse_iou_type(iou_type_name(type)), type);
  EXPECT_EQ(parse_iou_type("CIoU"), IouType::ciou);
  EXPECT_EQ(parse_iou_type("MPDIoU"), IouType::mpdiou);
  try {
    parse_iou_type("foo");
    ADD_FAILURE() << "parse_iou_type(\"foo\") did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "unknown IoU type 'foo' (expected iou, giou, diou, ciou or mpdiou)");
  }
  EXPECT_THROW(parse_iou_type(""), Error);
  EXPECT_THROW(parse_iou_type("ciou "), Error);
}

}  // namespace
}  // namespace yolo
