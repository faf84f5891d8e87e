// non_max_suppression against ultralytics' own (torchvision's nms inside)
// on random predictions without tied scores (with ties, the order in which
// torch sorts equal scores is not specified; tests/unit/test_nms.cpp pins
// ours down on those). Same detections, same order, scores and classes
// exactly; boxes within f32 rounding of (cx -/+ w/2).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engine/eval/nms.h"
#include "tests/support/oracle.h"

namespace yolo {
namespace {

Tensor clustered_prediction(std::int64_t B, std::int64_t A, std::int64_t nc, std::uint32_t seed) {
  const Context ctx;
  Tensor pred = ctx.empty({B, A, 4 + nc}, DType::f32);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::set<float> used;  // no two equal scores anywhere
  for (std::int64_t i = 0; i < B * A; ++i) {
    float* p = pred.data<float>() + i * (4 + nc);
    const float cluster = static_cast<float>(rng() % 8) * 70.0f;
    p[0] = cluster + 30 * u(rng), p[1] = cluster + 30 * u(rng), p[2] = 15 + 50 * u(rng), p[3] = 15 + 50 * u(rng);
    for (std::int64_t c = 0; c < nc; ++c) {
      float s = u(rng) * u(rng);
      while (!used.insert(s).second) s = u(rng) * u(rng);
      p[4 + c] = s;
    }
  }
  return pred;
}

void compare(const Tensor& pred, const NmsOptions& o, const std::string& what) {
  const Context ctx;
  const Detections d = non_max_suppression(ctx, pred, o);
  test::Oracle oracle("nms_oracle.py", test::kVenvPython);
  oracle.put("pred", pred);
  oracle.run("nms", {{"conf", o.conf}, {"iou", o.iou}, {"multi_label", o.multi_label}, {"agnostic", o.agnostic},
                     {"max_det", o.max_det}});
  const NpyArray ref = oracle.get("detections");  // rows (image, x1, y1, x2, y2, score, class)
  const float* r = ref.as<float>();
  const std::int64_t rows = ref.numel() / 7;
  std::int64_t at = 0;
  for (std::int64_t b = 0; b < pred.dim(0); ++b) {
    const int n = d.counts.data<std::int32_t>()[b];
    for (int i = 0; i < n; ++i, ++at) {
      ASSERT_LT(at, rows) << what << ": more detections than ultralytics";
      const float* row = r + at * 7;
      const std::int64_t k = b * o.max_det + i;
      ASSERT_EQ(row[0], static_cast<float>(b)) << what;
      EXPECT_EQ(d.scores.data<float>()[k], row[5]) << what << " image " << b << " detection " << i;
      EXPECT_EQ(d.classes.data<std::int32_t>()[k], static_cast<std::int32_t>(row[6])) << what;
      for (int e = 0; e < 4; ++e) EXPECT_NEAR(d.boxes.data<float>()[k * 4 + e], row[1 + e], 1e-4) << what;
    }
  }
  EXPECT_EQ(at, rows) << what << ": fewer detections than ultralytics";
}

TEST(NmsOracle, MatchesUltralyticsNonMaxSuppression) {
  const Tensor pred = clustered_prediction(4, 600, 6, 7);
  NmsOptions o;
  compare(pred, o, "predict defaults");
  compare(pred, NmsOptions::validation(), "validation defaults");
  o.conf = 0.05f, o.iou = 0.5f, o.multi_label = true;
  compare(pred, o, "multi-label");
  o.multi_label = false, o.agnostic = true, o.max_det = 20;
  compare(pred, o, "agnostic, max_det 20");
}

}  // namespace
}  // namespace yolo
