// Loss-term edge cases the oracle does not reach: a NaN target distance (a
// corrupt box) must not index outside the bins, and saturated logits stay finite.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/loss/detection_loss.h"
#include "engine/loss/loss_terms.h"
#include "engine/ops/elementwise.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(LossTerms, DflTreatsANanTargetAsZero) {
  Context ctx;
  Tensor logits = test::random_uniform(ctx, {2, 64}, 71, -3.0f, 3.0f);
  Tensor target = ctx.zeros({2, 4}, DType::f32), weight = ctx.empty({2}, DType::f32);
  weight.data<float>()[0] = weight.data<float>()[1] = 1.0f;
  Tensor nan_target = ctx.zeros({2, 4}, DType::f32);
  nan_target.data<float>()[5] = NAN;
  Tensor loss = ctx.empty({1}, DType::f32), grad = ctx.empty({2, 64}, DType::f32);
  Tensor loss0 = ctx.empty({1}, DType::f32), grad0 = ctx.empty({2, 64}, DType::f32);
  Tensor one = ctx.empty({1}, DType::f32);
  one.data<float>()[0] = 1.0f;
  dfl_loss(ctx, logits, nan_target, weight, one, 16, loss, grad);
  dfl_loss(ctx, logits, target, weight, one, 16, loss0, grad0);
  EXPECT_TRUE(std::isfinite(loss.data<float>()[0]));
  test::expect_close(loss, loss0, 0.0, 0.0, "NaN target = target 0");
  test::expect_close(grad, grad0, 0.0, 0.0, "NaN target gradient = target 0 gradient");
}

TEST(LossTerms, BceStaysFiniteForSaturatedLogits) {
  Context ctx;
  Tensor logits = ctx.empty({4}, DType::f32), target = ctx.empty({4}, DType::f32);
  const float x[] = {100.0f, -100.0f, 100.0f, -100.0f}, t[] = {1.0f, 0.0f, 0.0f, 1.0f};
  std::copy(x, x + 4, logits.data<float>());
  std::copy(t, t + 4, target.data<float>());
  Tensor loss = ctx.empty({1}, DType::f32), grad = ctx.empty({4}, DType::f32);
  Tensor one = ctx.empty({1}, DType::f32);
  one.data<float>()[0] = 1.0f;
  bce_with_logits_loss(ctx, logits, target, one, loss, grad);
  // Right answers cost ~0, wrong ones |x| = 100 each.
  EXPECT_NEAR(loss.data<float>()[0], 200.0f, 1e-3f);
  EXPECT_NEAR(grad.data<float>()[0], 0.0f, 1e-6f);
  EXPECT_NEAR(grad.data<float>()[2], 1.0f, 1e-6f);
  EXPECT_NEAR(grad.data<float>()[3], -1.0f, 1e-6f);
}

// YOLOv9's dual loss is 0.25 x the auxiliary head's loss + the main head's,
// each assigned on its own: the composition, against separate calls.
TEST(DetectionLoss, DualLossWeightsTheAuxiliaryHead) {
  Context ctx;
  const std::vector<float> strides = {8, 16, 32};
  auto head = [&](std::uint32_t seed) {
    std::vector<Tensor> levels;
    for (float s : strides) {
      const auto g = static_cast<std::int64_t>(64 / s);
      levels.push_back(test::random_uniform(ctx, {2, g, g, 64 + 3}, seed++, -2.0f, 2.0f));
    }
    return levels;
  };
  const std::vector<Tensor> aux = head(81), main = head(91);
  Tensor boxes = ctx.zeros({2, 2, 4}, DType::f32), labels = ctx.zeros({2, 2}, DType::i32);
  Tensor valid = ctx.zeros({2, 2}, DType::u8);
  const float b[] = {4, 6, 40, 50, 30, 10, 60, 44};
  std::copy(b, b + 8, boxes.data<float>());
  labels.data<std::int32_t>()[1] = 2;
  valid.data<std::uint8_t>()[0] = valid.data<std::uint8_t>()[1] = 1;
  const DetectionTargets targets{boxes, labels, valid};
  DetectionLossOptions options;
  options.flavour = LossFlavour::yolov9;
  std::vector<Tensor> g_aux, g_main, g_dual;
  const Tensor la = detection_loss(ctx, aux, strides, targets, options, g_aux);
  const Tensor lm = detection_loss(ctx, main, strides, targets, options, g_main);
  const Tensor ld = dual_detection_loss(ctx, aux, main, strides, targets, options, g_dual);
  for (int k = 0; k < 4; ++k)
    EXPECT_FLOAT_EQ(ld.data<float>()[k], 0.25f * la.data<float>()[k] + lm.data<float>()[k]) << "component " << k;
  ASSERT_EQ(g_dual.size(), 6u);
  for (int i = 0; i < 3; ++i) {
    Tensor expected = ctx.empty(g_aux[static_cast<std::size_t>(i)].shape(), DType::f32);
    scale(ctx, 0.25f, g_aux[static_cast<std::size_t>(i)], expected);
    test::expect_close(g_dual[static_cast<std::size_t>(i)], expected, 0.0, 0.0, "auxiliary gradient");
    test::expect_close(g_dual[static_cast<std::size_t>(3 + i)], g_main[static_cast<std::size_t>(i)], 0.0, 0.0,
                       "main gradient");
  }
  EXPECT_GT(la.data<float>()[0], 0.0f) << "the case has positives";
}

}  // namespace
}  // namespace yolo
