// non_max_suppression against a straightforward host reference (filter,
// stable sort by score, greedy suppression against every kept box) on
// random and adversarial inputs: identical scores, identical boxes, zero
// area, multi-label, class-agnostic, a class filter, max_det and max_nms
// limits, no candidates.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "engine/core/context.h"
#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/eval/nms.h"
#include "kernels/nms.h"

namespace yolo {
namespace {

struct Found {
  float x1, y1, x2, y2, score;
  int cls;
};

// The reference, straight from ultralytics' description.
std::vector<std::vector<Found>> reference_nms(const Tensor& pred, const NmsOptions& o) {
  const std::int64_t B = pred.dim(0), A = pred.dim(1), nc = pred.dim(2) - 4;
  const bool multi = o.multi_label && nc > 1;
  auto allowed = [&](int c) { return o.classes.empty() || std::count(o.classes.begin(), o.classes.end(), c) > 0; };
  std::vector<std::vector<Found>> out(static_cast<std::size_t>(B));
  for (std::int64_t b = 0; b < B; ++b) {
    std::vector<Found> cands;  // in index order, so that a stable sort breaks ties by index
    for (std::int64_t a = 0; a < A; ++a) {
      const float* p = pred.data<float>() + (b * A + a) * (4 + nc);
      const Found box{p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2, 0, 0};
      if (multi) {
        for (int c = 0; c < nc; ++c) {
          if (p[4 + c] > o.conf && allowed(c)) cands.push_back({box.x1, box.y1, box.x2, box.y2, p[4 + c], c});
        }
      } else {
        const int c = static_cast<int>(std::max_element(p + 4, p + 4 + nc) - (p + 4));
        if (p[4 + c] > o.conf && allowed(c)) cands.push_back({box.x1, box.y1, box.x2, box.y2, p[4 + c], c});
      }
    }
    std::stable_sort(cands.begin(), cands.end(), [](const Found& x, const Found& y) { return x.score > y.score; });
    if (static_cast<std::int64_t>(cands.size()) > o.max_nms) cands.resize(static_cast<std::size_t>(o.max_nms));
    for (const Found& c : cands) {
      if (static_cast<int>(out[b].size()) == o.max_det) break;
      bool suppressed = false;
      for (const Found& k : out[b]) {
        const float a[4] = {k.x1, k.y1, k.x2, k.y2}, d[4] = {c.x1, c.y1, c.x2, c.y2};
        suppressed |= (o.agnostic || k.cls == c.cls) && nms_suppresses(a, d, o.iou);
      }
      if (!suppressed) out[b].push_back(c);
    }
  }
  return out;
}

void expect_same_in(const Tensor& pred, const NmsOptions& o, const std::string& what, NmsSchedule schedule) {
  const Context ctx;
  const Detections d = non_max_suppression(ctx, pred, o, schedule);
  const auto ref = reference_nms(pred, o);
  for (std::size_t b = 0; b < ref.size(); ++b) {
    const int n = d.counts.data<std::int32_t>()[b];
    ASSERT_EQ(n, static_cast<int>(ref[b].size())) << what << ", image " << b;
    for (int i = 0; i < n; ++i) {
      const std::int64_t r = static_cast<std::int64_t>(b) * o.max_det + i;
      const Found& f = ref[b][static_cast<std::size_t>(i)];
      EXPECT_EQ(d.scores.data<float>()[r], f.score) << what << " " << b << "/" << i;
      EXPECT_EQ(d.classes.data<std::int32_t>()[r], f.cls) << what << " " << b << "/" << i;
      EXPECT_EQ(d.boxes.data<float>()[r * 4], f.x1) << what << " " << b << "/" << i;
      EXPECT_EQ(d.boxes.data<float>()[r * 4 + 3], f.y2) << what << " " << b << "/" << i;
    }
    for (int i = n; i < o.max_det; ++i) EXPECT_EQ(d.scores.data<float>()[b * o.max_det + i], 0.0f);
  }
}

void expect_same(const Tensor& pred, const NmsOptions& o, const std::string& what) {
  for (const NmsSchedule schedule : {NmsSchedule::greedy, NmsSchedule::bitmask}) {
    expect_same_in(pred, o, what + (schedule == NmsSchedule::greedy ? " (greedy)" : " (bitmask)"), schedule);
  }
}

// Boxes in a few clusters (so that many overlap), random class scores.
Tensor random_prediction(std::int64_t B, std::int64_t A, std::int64_t nc, std::uint32_t seed) {
  const Context ctx;
  Tensor pred = ctx.empty({B, A, 4 + nc}, DType::f32);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (std::int64_t i = 0; i < B * A; ++i) {
    float* p = pred.data<float>() + i * (4 + nc);
    const float cluster = static_cast<float>(rng() % 6) * 90.0f;
    p[0] = cluster + 40 * u(rng), p[1] = cluster + 40 * u(rng), p[2] = 20 + 60 * u(rng), p[3] = 20 + 60 * u(rng);
    for (std::int64_t c = 0; c < nc; ++c) p[4 + c] = u(rng) * u(rng);
  }
  return pred;
}

TEST(Nms, RandomBatchesMatchTheReference) {
  const Tensor pred = random_prediction(3, 700, 5, 1);
  NmsOptions o;
  expect_same(pred, o, "prediction defaults");
  expect_same(pred, NmsOptions::validation(), "validation defaults");
  o.conf = 0.1f, o.iou = 0.45f, o.multi_label = true;
  expect_same(pred, o, "multi-label");
  o.multi_label = false, o.agnostic = true;
  expect_same(pred, o, "agnostic");
  o.agnostic = false, o.classes = {1, 3};
  expect_same(pred, o, "classes 1 and 3");
  o.classes.clear(), o.max_det = 7;
  expect_same(pred, o, "max_det 7");
  o.max_det = 300, o.max_nms = 50, o.conf = 0.001f;
  expect_same(pred, o, "max_nms 50");
}

TEST(Nms, AdversarialBoxes) {
  const Context ctx;
  Tensor pred = ctx.empty({2, 6, 4 + 2}, DType::f32);
  // Image 0: three identical boxes with identical scores (the first index
  // wins), a zero-area box (never suppresses nor is suppressed), and two
  // touching boxes of IoU exactly 0.
  const float rows0[6][6] = {{50, 50, 20, 20, 0.9f, 0.1f}, {50, 50, 20, 20, 0.9f, 0.1f}, {50, 50, 20, 20, 0.9f, 0.1f},
                             {50, 50, 0, 0, 0.95f, 0.0f},  {10, 10, 10, 10, 0.5f, 0.6f}, {20, 10, 10, 10, 0.5f, 0.6f}};
  // Image 1: nothing above the threshold, and a tie between classes (the first class wins).
  const float rows1[6][6] = {{10, 10, 5, 5, 0.1f, 0.1f}, {10, 10, 5, 5, 0.2f, 0.2f}, {0, 0, 1, 1, 0.0f, 0.0f},
                             {1, 1, 1, 1, 0.0f, 0.0f},   {2, 2, 1, 1, 0.0f, 0.0f},   {3, 3, 1, 1, 0.0f, 0.0f}};
  std::copy(&rows0[0][0], &rows0[0][0] + 36, pred.data<float>());
  std::copy(&rows1[0][0], &rows1[0][0] + 36, pred.data<float>() + 36);
  NmsOptions o;
  const Detections d = non_max_suppression(ctx, pred, o);
  EXPECT_EQ(d.counts.data<std::int32_t>()[0], 4);  // zero-area, one of three identical, both touching
  EXPECT_EQ(d.counts.data<std::int32_t>()[1], 0);
  expect_same(pred, o, "adversarial");
  o.conf = 0.15f;
  expect_same(pred, o, "class tie");
  o.multi_label = true;
  expect_same(pred, o, "adversarial multi-label");
}

TEST(Nms, ValidationKeepsEveryClassAboveConfLikeUltralyticsVal) {
  // One box scoring 0.6 for class 0 and 0.3 for class 1: validation (as
  // ultralytics' and YOLOv5/YOLOv9's val) keeps both as detections, the
  // prediction default only the best class.
  Context ctx;
  Tensor pred = ctx.zeros({1, 1, 4 + 2}, DType::f32);
  float* p = pred.data<float>();
  p[0] = 10, p[1] = 10, p[2] = 20, p[3] = 20, p[4] = 0.6f, p[5] = 0.3f;  // cx, cy, w, h, scores
  const NmsOptions validation = NmsOptions::validation();
  EXPECT_TRUE(validation.multi_label);
  EXPECT_EQ(validation.conf, 0.001f);
  EXPECT_EQ(to_host(ctx, non_max_suppression(ctx, pred, validation).counts).data<std::int32_t>()[0], 2);
  EXPECT_EQ(to_host(ctx, non_max_suppression(ctx, pred, NmsOptions{}).counts).data<std::int32_t>()[0], 1);
}

TEST(Nms, RejectsBadOptionsAndShapes) {
  const Context ctx;
  const Tensor pred = random_prediction(1, 10, 3, 2);
  NmsOptions o;
  o.iou = 1.5f;
  EXPECT_THROW(non_max_suppression(ctx, pred, o), Error);
  o = NmsOptions{};
  o.classes = {3};
  EXPECT_THROW(non_max_suppression(ctx, pred, o), Error);
  EXPECT_THROW(non_max_suppression(ctx, ctx.empty({1, 10, 4}, DType::f32), NmsOptions{}), Error);
}

}  // namespace
}  // namespace yolo
