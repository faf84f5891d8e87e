// The detection-loss terms against ultralytics (tests/oracle/loss_oracle.py):
// its DFLoss and the BCE-with-logits of v8DetectionLoss, with autograd
// gradients. Loss 1e-5 relative; gradients 1e-4 relative to each tensor's
// scale (the architecture's tolerances).
#include <gtest/gtest.h>

#include "engine/loss/loss_terms.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(LossTermsOracle, DflMatchesUltralyticsDfLoss) {
  Context ctx;
  const std::int64_t P = 777;
  const int reg_max = 16;
  Tensor logits = test::random_uniform(ctx, {P, 4 * reg_max}, 1200, -6.0f, 6.0f);
  // Targets beyond both clamps (below 0, above reg_max - 1.01), on integers and in between.
  Tensor target = test::random_uniform(ctx, {P, 4}, 1201, -1.0f, 16.5f);
  float* t = target.data<float>();
  t[0] = 0.0f;
  t[1] = 3.0f;
  t[2] = 14.99f;
  t[3] = 15.0f;
  Tensor weight = test::random_uniform(ctx, {P}, 1202, 0.0f, 1.0f);
  const float scale = 1.5f / 123.4f;  // gain over a target-score sum
  test::Oracle oracle("loss_oracle.py", test::kVenvPython);
  oracle.put("logits", logits);
  oracle.put("target", target);
  oracle.put("weight", weight);
  oracle.run("dfl", {{"reg_max", reg_max}, {"scale", scale}});
  Tensor loss = ctx.empty({1}, DType::f32), grad = ctx.empty(logits.shape(), DType::f32);
  Tensor scale_t = ctx.empty({1}, DType::f32);
  scale_t.data<float>()[0] = scale;
  dfl_loss(ctx, logits, target, weight, scale_t, reg_max, loss, grad);
  test::expect_close(loss, oracle.get("loss").to_tensor(ctx), 1e-5, 0.0, "DFL loss");
  test::expect_close_to_scale(grad, oracle.get("grad").to_tensor(ctx), 1e-4, "DFL gradient");
}

TEST(LossTermsOracle, BceWithLogitsMatchesTorch) {
  Context ctx;
  const std::int64_t n = 2 * 525 * 80;  // a batch of 2 at 160 px, 80 classes
  Tensor logits = test::random_uniform(ctx, {n}, 1210, -20.0f, 20.0f);
  Tensor target = test::random_uniform(ctx, {n}, 1211, 0.0f, 1.0f);
  float* t = target.data<float>();
  for (std::int64_t i = 0; i < n; i += 3) t[i] = 0.0f;  // most anchors are background
  const float scale = 0.5f / 57.0f;
  test::Oracle oracle("loss_oracle.py", test::kVenvPython);
  oracle.put("logits", logits);
  oracle.put("target", target);
  oracle.run("bce", {{"scale", scale}});
  Tensor loss = ctx.empty({1}, DType::f32), grad = ctx.empty({n}, DType::f32);
  Tensor scale_t = ctx.empty({1}, DType::f32);
  scale_t.data<float>()[0] = scale;
  bce_with_logits_loss(ctx, logits, target, scale_t, loss, grad);
  test::expect_close(loss, oracle.get("loss").to_tensor(ctx), 1e-5, 0.0, "BCE loss");
  test::expect_close_to_scale(grad, oracle.get("grad").to_tensor(ctx), 1e-4, "BCE gradient");
}

}  // namespace
}  // namespace yolo
