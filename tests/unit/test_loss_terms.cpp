// Loss-term edge cases the oracle does not reach: a NaN target distance (a
// corrupt box) must not index outside the bins, and saturated logits stay finite.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/loss/loss_terms.h"
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

}  // namespace
}  // namespace yolo
