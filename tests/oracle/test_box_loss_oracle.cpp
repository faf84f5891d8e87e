// The box loss (engine/loss/box_loss.h) against ultralytics' bbox_iou with
// torch autograd (tests/oracle/box_loss_oracle.py; MPDIoU there is the paper's
// formula on ultralytics' IoU), in f32 on both sides, for every IoU type, on
// 1000+ box pairs: random ones at the loss's scale (grid cells of a 640 px
// input), some at pixel scale, and the degenerate ones where the subgradient
// conventions decide the result: identical boxes and shared edges (min/max
// ties), touching edges and zero-width or zero-height boxes (clamp at 0),
// disjoint boxes, one box inside the other.
//
// Tolerances, per anchor:
//   loss: 1e-5 relative, with an absolute floor of 1e-6 * weight: the loss is
//     (1 - iou) * weight, and where iou is near 1 the subtraction cancels
//     and leaves iou's absolute rounding (a few eps_f32 = 1.2e-7 each side);
//   gradient: 1e-4 relative to the anchor's largest gradient component, plus
//     1e-6 * weight / extent (extent: the larger side of the box enclosing
//     both, so weight / extent is the size of the terms a component sums):
//     the components are sums of terms of both signs (the IoU's, the
//     enclosing box's, the centre distance's), so a small one keeps its
//     terms' rounding, which torch and we order differently. Identical boxes
//     need the floor: their exact gradient is eps-sized (1e-7 of the terms),
//     so both sides' float results (about 1e-7 * weight / extent, or 0) are
//     rounding alone.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/loss/box_loss.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

constexpr IouType kTypes[] = {IouType::iou, IouType::giou, IouType::diou, IouType::ciou, IouType::mpdiou};
constexpr float kImageW = 80.0f, kImageH = 64.0f;  // a 640 x 512 input in stride-8 grid cells
constexpr double kLossTol = 1e-5, kLossFloor = 1e-6, kGradientTol = 1e-4, kGradientFloor = 1e-6;

struct Pair {
  float p[4], t[4], weight;
};

// The degenerate pairs, at a few scales and offsets (all values exact in f32).
std::vector<Pair> degenerate_pairs() {
  const std::vector<Pair> unit = {
      {{1, 2, 4, 6}, {1, 2, 4, 6}, 1},        // identical
      {{1, 1, 4, 4}, {1, 2, 3, 4}, 1},        // shared x1 and y2
      {{1, 1, 4, 4}, {0, 1, 4, 5}, 1},        // shared y1 and x2
      {{0, 0, 1, 1}, {3, 4, 5, 6}, 1},        // disjoint
      {{0, 2, 1, 5}, {3, 1, 5, 6}, 1},        // disjoint in x only
      {{0, 0, 10, 8}, {2, 3, 5, 6}, 1},       // target inside pred
      {{2, 3, 5, 6}, {0, 0, 10, 8}, 1},       // pred inside target
      {{3, 1, 3, 4}, {1, 2, 5, 6}, 1},        // zero-width pred inside the target's x range
      {{7, 1, 7, 4}, {1, 2, 5, 6}, 1},        // zero-width pred outside
      {{2, 3, 4, 3}, {1, 2, 5, 6}, 1},        // zero-height pred inside
      {{3, 3, 3, 3}, {1, 2, 5, 6}, 1},        // a point
      {{0, 0, 2, 2}, {2, 0.5f, 4, 1.5f}, 1},  // touching, pred on the left
      {{4, 0, 6, 2}, {2, 0.5f, 4, 1.5f}, 1},  // touching, pred on the right
      {{0, 0, 2, 2}, {0.5f, 2, 1.5f, 3}, 1},  // touching, pred below
      {{0.5f, 3, 1.5f, 4}, {0, 0, 2, 3}, 1},  // touching, pred above
      {{0, 0, 2, 2}, {2, 2, 3, 3}, 1},        // corners touching
      {{0, 0, 2, 2}, {0, 2, 2, 4}, 1},        // a whole edge shared, no area
      {{1, 1, 3, 5}, {1, 1, 3, 5.25f}, 1},    // nearly identical
  };
  std::vector<Pair> out;
  for (float scale : {1.0f, 0.25f, 8.0f}) {
    for (float offset : {0.0f, 17.0f}) {
      for (const Pair& u : unit) {
        Pair q = u;
        for (int k = 0; k < 4; ++k) {
          q.p[k] = u.p[k] * scale + offset;
          q.t[k] = u.t[k] * scale + offset;
        }
        q.weight = 0.25f + 0.125f * static_cast<float>(out.size() % 7);
        out.push_back(q);
      }
    }
  }
  return out;
}

// Random pairs: a target in the image, a prediction around it (centres within
// +-0.6 of its size, sides x [0.3, 2]); one in 8 far away; one in 8 at pixel scale.
std::vector<Pair> random_pairs(std::uint32_t seed, int n) {
  ::testing::Test::RecordProperty("seed", static_cast<int>(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::vector<Pair> out;
  for (int i = 0; i < n; ++i) {
    const float scale = i % 8 == 7 ? 8.0f : 1.0f;
    const float tw = (0.2f + 30.0f * u01(rng) * u01(rng)) * scale, th = (0.2f + 30.0f * u01(rng) * u01(rng)) * scale;
    const float tx = u01(rng) * kImageW * scale, ty = u01(rng) * kImageH * scale;
    float px = tx + (u01(rng) - 0.5f) * 1.2f * tw, py = ty + (u01(rng) - 0.5f) * 1.2f * th;
    if (i % 8 == 3) {
      px = u01(rng) * kImageW * scale;
      py = u01(rng) * kImageH * scale;
    }
    const float pw = tw * (0.3f + 1.7f * u01(rng)), ph = th * (0.3f + 1.7f * u01(rng));
    out.push_back({{px - pw / 2, py - ph / 2, px + pw / 2, py + ph / 2},
                   {tx - tw / 2, ty - th / 2, tx + tw / 2, ty + th / 2},
                   0.02f + u01(rng)});
  }
  return out;
}

TEST(BoxLossOracle, MatchesUltralyticsBboxIouAutograd) {
  std::vector<Pair> pairs = degenerate_pairs();
  const auto degenerate = static_cast<std::int64_t>(pairs.size());
  for (const Pair& q : random_pairs(3200, 1000)) pairs.push_back(q);
  const auto P = static_cast<std::int64_t>(pairs.size());
  Context ctx;
  Tensor pred = ctx.empty({P, 4}, DType::f32), target = ctx.empty({P, 4}, DType::f32),
         weight = ctx.empty({P}, DType::f32);
  for (std::int64_t i = 0; i < P; ++i) {
    std::copy(pairs[i].p, pairs[i].p + 4, pred.data<float>() + i * 4);
    std::copy(pairs[i].t, pairs[i].t + 4, target.data<float>() + i * 4);
    weight.data<float>()[i] = pairs[i].weight;
  }
  test::Oracle oracle("box_loss_oracle.py", test::kVenvPython);
  oracle.put("pred", pred);
  oracle.put("target", target);
  oracle.put("weight", weight);
  nlohmann::json types = nlohmann::json::array();
  for (IouType type : kTypes) types.push_back(std::string(iou_type_name(type)));
  oracle.run("box_loss", {{"types", types}, {"image_w", kImageW}, {"image_h", kImageH}});

  for (IouType type : kTypes) {
    const std::string name(iou_type_name(type));
    SCOPED_TRACE(name);
    Tensor loss = ctx.empty({P}, DType::f32), grad = ctx.empty({P, 4}, DType::f32);
    box_loss(ctx, pred, target, weight, type, kImageW, kImageH, loss, grad);
    const NpyArray ref_loss = oracle.get("loss_" + name), ref_grad = oracle.get("grad_" + name);
    ASSERT_EQ(ref_loss.numel(), P);
    ASSERT_EQ(ref_grad.numel(), P * 4);
    const float* el = ref_loss.as<float>();
    const float* eg = ref_grad.as<float>();
    const float* al = loss.data<float>();
    const float* ag = grad.data<float>();
    double worst_loss = 0.0, worst_grad = 0.0, worst_loss_rel = 0.0, worst_grad_rel = 0.0;
    int bad = 0;
    for (std::int64_t i = 0; i < P; ++i) {
      const std::string where = (i < degenerate ? "degenerate pair " : "random pair ") + std::to_string(i);
      const double w = pairs[i].weight, e = el[i], a = al[i];
      const double loss_err = std::abs(a - e), loss_tol = kLossTol * std::abs(e) + kLossFloor * w;
      worst_loss = std::max(worst_loss, loss_err / loss_tol);
      if (e != 0.0) worst_loss_rel = std::max(worst_loss_rel, loss_err / std::abs(e));
      if (loss_err > loss_tol && ++bad <= 5) ADD_FAILURE() << where << ": loss " << a << ", torch " << e;
      double scale = 0.0;
      for (int k = 0; k < 4; ++k) scale = std::max(scale, std::abs(static_cast<double>(eg[i * 4 + k])));
      const Pair& q = pairs[i];
      const double extent = std::max(std::max(q.p[2], q.t[2]) - std::min(q.p[0], q.t[0]),
                                     std::max(q.p[3], q.t[3]) - std::min(q.p[1], q.t[1]));
      const double tol = kGradientTol * scale + kGradientFloor * w / extent;
      for (int k = 0; k < 4; ++k) {
        const double ge = eg[i * 4 + k], ga = ag[i * 4 + k];
        const double err = std::abs(ga - ge);
        worst_grad = std::max(worst_grad, err / tol);
        worst_grad_rel = std::max(worst_grad_rel, err / std::max(scale, w / extent));
        if (err > tol && ++bad <= 5)
          ADD_FAILURE() << where << ": d loss / d pred[" << k << "] " << ga << ", torch " << ge;
      }
    }
    EXPECT_EQ(bad, 0);
    // For the log: the worst errors, as fractions of their tolerances and relative.
    RecordProperty(name + "_loss",
                   fmt::format("worst {:.3g} of the tolerance, {:.3g} relative", worst_loss, worst_loss_rel));
    RecordProperty(name + "_gradient", fmt::format("worst {:.3g} of the tolerance, {:.3g} of the anchor's scale",
                                                   worst_grad, worst_grad_rel));
  }
}

}  // namespace
}  // namespace yolo
