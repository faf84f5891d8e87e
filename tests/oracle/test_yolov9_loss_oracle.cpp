// YOLOv9's losses (LossFlavour::yolov9) against the YOLOv9 repository's
// (tests/oracle/yolov9_loss_oracle.py): dual_detection_loss against
// loss_tal_dual.ComputeLoss (DualDDetect), detection_loss against
// loss_tal.ComputeLoss (DDetect). Random head outputs at 128 px, 4 images
// with 6, 3, 3 and 0 objects: overlapping GTs (anchors several GTs select,
// some of which the all-GT resolution gives to a GT not containing them),
// boxes touching the border, a 6 px box that contains no anchor centre
// (ultralytics raises it to 16 px; predictions about it are made to overlap
// it) and a 12 px one. The oracle counts those situations and the test
// requires each; the ultralytics flavour must then give other loss items.
// Items and total 1e-5 relative; gradients 1e-4 of each level's scale.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/loss/detection_loss.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

constexpr std::int64_t kBatch = 4, kClasses = 5, kSize = 128;
const std::vector<float> kStrides = {8, 16, 32};

// image, class, centre x, centre y, width, height (normalised)
constexpr float kLabels[][6] = {
    {0, 1, 0.40f, 0.45f, 0.50f, 0.60f},        // four overlapping GTs
    {0, 3, 0.55f, 0.50f, 0.50f, 0.55f},        //
    {0, 2, 0.50f, 0.55f, 0.35f, 0.40f},        //
    {0, 4, 0.45f, 0.40f, 0.70f, 0.65f},        //
    {0, 0, 0.10f, 0.85f, 0.20f, 0.30f},        // touches the left border
    {0, 1, 0.88f, 0.88f, 0.24f, 0.24f},        // touches the right and bottom borders
    {1, 4, 0.50f, 0.50f, 0.05f, 0.05f},        // 6.4 px about (64, 64): no anchor centre inside
    {1, 2, 0.25f, 0.75f, 0.09375f, 0.09375f},  // 12 px
    {1, 0, 0.70f, 0.30f, 0.40f, 0.35f},
    // Pixels (13, 4, 124, 124), large, like the predicted boxes; (0, 30, 24, 90)
    // and (2, 40, 20, 100), beside it at the left border, both select anchors
    // at x = 4 and 12 that the large one does not contain but overlaps best.
    {2, 2, 0.535156f, 0.5f, 0.867188f, 0.9375f},
    {2, 0, 0.09375f, 0.46875f, 0.1875f, 0.46875f},
    {2, 3, 0.085938f, 0.546875f, 0.140625f, 0.46875f},
};

// Random logits, except that in image 1 the four stride-8 anchors about the
// 6.4 px box, (60 or 68, 60 or 68), predict 14.4 px boxes (each side 0.9
// cells: bin 1 at 90%), whose CIoU with it is positive: raised to 16 px,
// that box would make them positives; random predictions are 8 times larger
// and overlap it by almost nothing.
std::vector<Tensor> random_levels(const Context& ctx, std::uint32_t seed) {
  std::vector<Tensor> levels;
  for (float s : kStrides) {
    const std::int64_t g = kSize / static_cast<std::int64_t>(s);
    levels.push_back(test::random_uniform(ctx, {kBatch, g, g, 64 + kClasses}, seed++, -3.0f, 3.0f));
  }
  const std::int64_t g = kSize / 8, channels = 64 + kClasses;
  for (std::int64_t y : {7, 8})
    for (std::int64_t x : {7, 8}) {
      float* cell = levels[0].data<float>() + ((1 * g + y) * g + x) * channels;
      for (int side = 0; side < 4; ++side)
        for (int bin = 0; bin < 16; ++bin) cell[side * 16 + bin] = bin == 0 ? 0.0f : bin == 1 ? 2.2f : -10.0f;
    }
  return levels;
}

void put_levels(const test::Oracle& oracle, const std::string& prefix, const std::vector<Tensor>& levels) {
  for (std::size_t i = 0; i < levels.size(); ++i) oracle.put(prefix + std::to_string(i), levels[i]);
}

void run_oracle(const Context& ctx, const test::Oracle& oracle, const std::string& op) {
  constexpr std::int64_t rows = sizeof(kLabels) / sizeof(kLabels[0]);
  Tensor labels = ctx.empty({rows, 6}, DType::f32);
  std::copy(&kLabels[0][0], &kLabels[0][0] + rows * 6, labels.data<float>());
  oracle.put("labels", labels);
  oracle.run(op, {{"nc", kClasses}, {"strides", kStrides}});
}

DetectionTargets oracle_targets(const Context& ctx, const test::Oracle& oracle) {
  return {oracle.get("gt_boxes").to_tensor(ctx), oracle.get("gt_labels").to_tensor(ctx),
          oracle.get("gt_valid").to_tensor(ctx)};
}

// Per head (auxiliary first) the oracle's counts: anchors several GTs select,
// of those the ones the all-GT resolution gives to a GT not containing them,
// and GT-anchor pairs of positive overlap inside a GT only when its small
// sides are raised.
void expect_exercised(const test::Oracle& oracle, std::size_t heads) {
  const NpyArray counts = oracle.get("counts");
  ASSERT_EQ(counts.shape, (std::vector<std::int64_t>{static_cast<std::int64_t>(heads), 3}));
  for (std::size_t h = 0; h < heads; ++h) {
    const std::int32_t* c = counts.as<std::int32_t>() + h * 3;
    std::printf(
        "head %zu: %d anchors selected by several GTs, %d of them resolved to a GT not containing them "
        "(all-GT argmax), %d anchor-GT pairs of positive overlap inside only once small sides are raised\n",
        h, c[0], c[1], c[2]);
    EXPECT_GT(c[0], 0) << "head " << h << ": no anchor is selected by several GTs";
    EXPECT_GT(c[1], 0) << "head " << h << ": the all-GT resolution changes nothing";
    EXPECT_GT(c[2], 0) << "head " << h << ": raising small sides changes nothing";
  }
}

void expect_items_match(const Tensor& result, const test::Oracle& oracle) {
  const float* r = result.data<float>();
  const NpyArray oracle_items = oracle.get("items");
  const float* items = oracle_items.as<float>();
  for (int k = 0; k < 3; ++k) EXPECT_GT(items[k], 0.01f) << "every component must be active in this case";
  EXPECT_NEAR(r[0], items[0], 1e-5 * std::abs(items[0])) << "box";
  EXPECT_NEAR(r[1], items[1], 1e-5 * std::abs(items[1])) << "cls";
  EXPECT_NEAR(r[2], items[2], 1e-5 * std::abs(items[2])) << "dfl";
  const float total = oracle.get("total").as<float>()[0];
  EXPECT_NEAR(r[3], total, 1e-5 * std::abs(total)) << "total";
}

// The case tells the flavours apart: ultralytics' assigner gives other
// box and dfl items (the cls item, a sum over every anchor, moves less).
void expect_ultralytics_differs(const Tensor& ultralytics, const test::Oracle& oracle) {
  const NpyArray oracle_items = oracle.get("items");
  const float *items = oracle_items.as<float>(), *u = ultralytics.data<float>();
  std::printf("items (box, cls, dfl): YOLOv9 %.7g %.7g %.7g, the engine's ultralytics flavour %.7g %.7g %.7g\n",
              items[0], items[1], items[2], u[0], u[1], u[2]);
  EXPECT_GT(std::abs(u[0] - items[0]), 1e-3 * std::abs(items[0])) << "box";
  EXPECT_GT(std::abs(u[2] - items[2]), 1e-3 * std::abs(items[2])) << "dfl";
}

TEST(Yolov9LossOracle, DualLossMatchesLossTalDual) {
  Context ctx;
  test::Oracle oracle("yolov9_loss_oracle.py", test::kVenvPython);
  const std::vector<Tensor> aux = random_levels(ctx, 1400), main = random_levels(ctx, 1500);
  put_levels(oracle, "aux", aux);
  put_levels(oracle, "level", main);
  run_oracle(ctx, oracle, "dual");
  expect_exercised(oracle, 2);
  const DetectionTargets targets = oracle_targets(ctx, oracle);
  DetectionLossOptions options;
  options.flavour = LossFlavour::yolov9;
  std::vector<Tensor> grads;
  const Tensor result = dual_detection_loss(ctx, aux, main, kStrides, targets, options, grads);
  expect_items_match(result, oracle);
  ASSERT_EQ(grads.size(), 6u);
  for (std::size_t i = 0; i < 3; ++i) {
    test::expect_close_to_scale(grads[i], oracle.get("aux_grad" + std::to_string(i)).to_tensor(ctx), 1e-4,
                                "gradient of auxiliary level " + std::to_string(i));
    test::expect_close_to_scale(grads[3 + i], oracle.get("grad" + std::to_string(i)).to_tensor(ctx), 1e-4,
                                "gradient of main level " + std::to_string(i));
  }
  options.flavour = LossFlavour::ultralytics;
  expect_ultralytics_differs(dual_detection_loss(ctx, aux, main, kStrides, targets, options, grads), oracle);
}

TEST(Yolov9LossOracle, SingleHeadLossMatchesLossTal) {
  Context ctx;
  test::Oracle oracle("yolov9_loss_oracle.py", test::kVenvPython);
  const std::vector<Tensor> levels = random_levels(ctx, 1600);
  put_levels(oracle, "level", levels);
  run_oracle(ctx, oracle, "single");
  expect_exercised(oracle, 1);
  const DetectionTargets targets = oracle_targets(ctx, oracle);
  DetectionLossOptions options;
  options.flavour = LossFlavour::yolov9;
  std::vector<Tensor> grads;
  const Tensor result = detection_loss(ctx, levels, kStrides, targets, options, grads);
  expect_items_match(result, oracle);
  ASSERT_EQ(grads.size(), 3u);
  for (std::size_t i = 0; i < grads.size(); ++i)
    test::expect_close_to_scale(grads[i], oracle.get("grad" + std::to_string(i)).to_tensor(ctx), 1e-4,
                                "gradient of level " + std::to_string(i));
  options.flavour = LossFlavour::ultralytics;
  expect_ultralytics_differs(detection_loss(ctx, levels, kStrides, targets, options, grads), oracle);
}

}  // namespace
}  // namespace yolo
