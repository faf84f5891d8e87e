// YOLOv8's whole detection loss against ultralytics' v8DetectionLoss
// (tests/oracle/loss_oracle.py): the loss items, the total and the gradient
// w.r.t. every level of the head's output. Random head outputs at 128 px,
// 3 images with 3, 1 and 0 objects (one touching the border, one tiny).
// Items and total 1e-5 relative; gradients 1e-4 of each level's scale.
#include <gtest/gtest.h>

#include "engine/loss/detection_loss.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(DetectionLossOracle, ItemsTotalAndGradientsMatchUltralytics) {
  Context ctx;
  const std::int64_t B = 3, nc = 5, size = 128;
  const std::vector<float> strides = {8, 16, 32};
  test::Oracle oracle("loss_oracle.py", test::kVenvPython);
  std::vector<Tensor> levels;
  for (std::size_t i = 0; i < strides.size(); ++i) {
    const std::int64_t g = size / static_cast<std::int64_t>(strides[i]);
    levels.push_back(test::random_uniform(ctx, {B, g, g, 64 + nc}, 1300 + static_cast<std::uint32_t>(i), -3.0f, 3.0f));
    oracle.put("level" + std::to_string(i), levels.back());
  }
  // image, class, centre x, centre y, width, height (normalised)
  const float rows[][6] = {{0, 1, 0.30f, 0.40f, 0.35f, 0.50f},
                           {0, 3, 0.75f, 0.70f, 0.40f, 0.45f},
                           {0, 0, 0.10f, 0.85f, 0.20f, 0.30f},   // touches the left border
                           {1, 4, 0.50f, 0.50f, 0.03f, 0.03f}};  // tiny: raised to 16 px by the assigner
  Tensor labels = ctx.empty({4, 6}, DType::f32);
  std::copy(&rows[0][0], &rows[0][0] + 24, labels.data<float>());
  oracle.put("labels", labels);
  oracle.run(
      "detection",
      {{"yaml", std::string(YOLO_TESTS_DIR) + "/../models/yolov8.yaml"}, {"scale", "n"}, {"nc", nc}, {"levels", 3}});
  const DetectionTargets targets{oracle.get("gt_boxes").to_tensor(ctx), oracle.get("gt_labels").to_tensor(ctx),
                                 oracle.get("gt_valid").to_tensor(ctx)};
  std::vector<Tensor> grads;
  const Tensor result = detection_loss(ctx, levels, strides, targets, DetectionLossOptions{}, grads);
  const float* r = result.data<float>();
  const NpyArray items = oracle.get("items");
  for (int k = 0; k < 3; ++k) EXPECT_GT(items.as<float>()[k], 0.01f) << "every component must be active in this case";
  EXPECT_NEAR(r[0], items.as<float>()[0], 1e-5 * std::abs(items.as<float>()[0])) << "box";
  EXPECT_NEAR(r[1], items.as<float>()[1], 1e-5 * std::abs(items.as<float>()[1])) << "cls";
  EXPECT_NEAR(r[2], items.as<float>()[2], 1e-5 * std::abs(items.as<float>()[2])) << "dfl";
  const float total = oracle.get("total").as<float>()[0];
  EXPECT_NEAR(r[3], total, 1e-5 * std::abs(total)) << "total";
  ASSERT_EQ(grads.size(), 3u);
  for (std::size_t i = 0; i < grads.size(); ++i)
    test::expect_close_to_scale(grads[i], oracle.get("grad" + std::to_string(i)).to_tensor(ctx), 1e-4,
                                "gradient of level " + std::to_string(i));
}

}  // namespace
}  // namespace yolo
