// The Task-Aligned Assigner against ultralytics' (tests/oracle/assigner_oracle.py).
//
// Inputs are built so that every anchor inside a GT predicts a box near that
// GT (GTs do not overlap): then every candidate has a positive metric and the
// top-k never has to choose between equal metrics, where torch.topk's order
// is unspecified and ours takes the lower anchor index. Exact equality of the
// positive mask, the assigned GT and the target boxes; target scores 1e-5
// relative (powf vs torch's pow of the same floats).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/loss/assigner.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

TEST(AssignerOracle, TaskAlignedAssignmentMatchesUltralytics) {
  Context ctx;
  const std::int64_t B = 3, M = 6, C = 7, size = 320;
  const std::int64_t strides[] = {8, 16, 32};
  std::int64_t A = 0;
  for (std::int64_t s : strides) A += (size / s) * (size / s);
  Tensor anchors = ctx.empty({A, 2}, DType::f32);
  {
    float* p = anchors.data<float>();
    for (std::int64_t s : strides)
      for (std::int64_t y = 0; y < size / s; ++y)
        for (std::int64_t x = 0; x < size / s; ++x) {
          *p++ = (static_cast<float>(x) + 0.5f) * static_cast<float>(s);
          *p++ = (static_cast<float>(y) + 0.5f) * static_cast<float>(s);
        }
  }
  // Image 0: six GTs on a 3 x 2 grid of disjoint cells (one touching the
  // border, one tiny); image 1: two large overlapping GTs, whose shared
  // anchors two GTs claim; image 2: none.
  Tensor gt_boxes = ctx.zeros({B, M, 4}, DType::f32), gt_labels = ctx.zeros({B, M}, DType::i32);
  Tensor gt_valid = ctx.zeros({B, M}, DType::u8);
  std::mt19937 rng(2024);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int counts[] = {6, 2, 0};
  for (int b = 0; b < B; ++b) {
    for (int j = 0; j < counts[b]; ++j) {
      if (b == 1) {
        const float boxes[2][4] = {{40, 40, 200, 200}, {41, 41, 201, 201}};  // nearly the same object
        std::copy(boxes[j], boxes[j] + 4, gt_boxes.data<float>() + (b * M + j) * 4);
        gt_labels.data<std::int32_t>()[b * M + j] = j + 1;
        gt_valid.data<std::uint8_t>()[b * M + j] = 1;
        continue;
      }
      const float cx0 = static_cast<float>(j % 3) * 106.0f, cy0 = static_cast<float>(j / 3) * 160.0f;
      float w = 20.0f + 80.0f * u(rng), h = 20.0f + 140.0f * u(rng);
      if (j == 4) w = h = 4.0f;                                      // tiny: raised to 16 px for the inside test
      const float x1 = j == 0 ? 0.0f : cx0 + (106.0f - w) * u(rng);  // GT 0 touches the border
      const float y1 = cy0 + (160.0f - h) * u(rng);
      float* g = gt_boxes.data<float>() + (b * M + j) * 4;
      g[0] = x1, g[1] = y1, g[2] = x1 + w, g[3] = y1 + h;
      gt_labels.data<std::int32_t>()[b * M + j] = static_cast<std::int32_t>(rng() % C);
      gt_valid.data<std::uint8_t>()[b * M + j] = 1;
    }
  }
  // Each anchor predicts a box near the GT whose (raised) box holds it (the
  // later one where two do: the conflict must then move it to its second
  // claimant), else a random box.
  Tensor pred_boxes = ctx.empty({B, A, 4}, DType::f32);
  Tensor pred_scores = test::random_uniform(ctx, {B, A, C}, 2025, 0.01f, 0.99f);
  for (int b = 0; b < B; ++b) {
    for (std::int64_t a = 0; a < A; ++a) {
      const float ax = anchors.data<float>()[a * 2], ay = anchors.data<float>()[a * 2 + 1];
      float mean[4] = {0, 0, 0, 0};
      int holders = 0;
      for (int j = 0; j < counts[b]; ++j) {
        const float* g = gt_boxes.data<float>() + (b * M + j) * 4;
        const float cx = (g[0] + g[2]) / 2, cy = (g[1] + g[3]) / 2;
        const float w = std::max(g[2] - g[0], 16.0f), h = std::max(g[3] - g[1], 16.0f);
        if (std::abs(ax - cx) < w / 2 + 1 && std::abs(ay - cy) < h / 2 + 1) {
          std::copy(g, g + 4, mean);
          ++holders;
        }
      }
      const float* near = holders > 0 ? mean : nullptr;
      float* p = pred_boxes.data<float>() + (b * A + a) * 4;
      if (near != nullptr) {
        const float w = near[2] - near[0], h = near[3] - near[1];
        p[0] = near[0] + 0.2f * w * (u(rng) - 0.5f), p[1] = near[1] + 0.2f * h * (u(rng) - 0.5f);
        p[2] = near[2] + 0.2f * w * (u(rng) - 0.5f), p[3] = near[3] + 0.2f * h * (u(rng) - 0.5f);
      } else {
        p[0] = ax - 30 * u(rng), p[1] = ay - 30 * u(rng), p[2] = ax + 30 * u(rng), p[3] = ay + 30 * u(rng);
      }
    }
  }
  test::Oracle oracle("assigner_oracle.py", test::kVenvPython);
  for (const auto& [name, t] : {std::pair<const char*, Tensor>{"pred_scores", pred_scores},
                                {"pred_boxes", pred_boxes},
                                {"anchors", anchors},
                                {"gt_boxes", gt_boxes},
                                {"gt_labels", gt_labels},
                                {"gt_valid", gt_valid}})
    oracle.put(name, t);
  oracle.run("assign");

  const TaskAlignment r = task_aligned_assign(ctx, pred_scores, pred_boxes, anchors, gt_boxes, gt_labels, gt_valid);
  const NpyArray fg = oracle.get("fg"), gt_index = oracle.get("gt_index");
  ASSERT_EQ(fg.numel(), B * A);
  std::int64_t positives = 0, fg_diff = 0, index_diff = 0;
  for (std::int64_t i = 0; i < B * A; ++i) {
    positives += fg.as<std::uint8_t>()[i];
    fg_diff += fg.as<std::uint8_t>()[i] != r.fg.data<std::uint8_t>()[i];
    index_diff += gt_index.as<std::int32_t>()[i] != r.gt_index.data<std::int32_t>()[i];
  }
  EXPECT_GT(positives, 30) << "the case must have positives";
  // The overlapping pair must really compete (else the conflict rule would
  // go untested): some positives of image 1 go to its second GT.
  std::int64_t second = 0;
  for (std::int64_t a = 0; a < A; ++a)
    second += fg.as<std::uint8_t>()[A + a] != 0 && gt_index.as<std::int32_t>()[A + a] == 1;
  EXPECT_GT(second, 0);
  EXPECT_EQ(fg_diff, 0) << "positive anchors differ";
  EXPECT_EQ(index_diff, 0) << "assigned GTs differ";
  test::expect_close(r.target_boxes, oracle.get("target_boxes").to_tensor(ctx), 0.0, 0.0, "target boxes");
  test::expect_close(r.target_scores, oracle.get("target_scores").to_tensor(ctx), 1e-5, 1e-12, "target scores");
}

TEST(Assigner, NoGroundTruthMeansAllBackground) {
  Context ctx;
  Tensor scores = test::random_uniform(ctx, {2, 50, 3}, 9, 0.0f, 1.0f), boxes = ctx.zeros({2, 50, 4}, DType::f32);
  Tensor anchors = ctx.zeros({50, 2}, DType::f32);
  const TaskAlignment r = task_aligned_assign(ctx, scores, boxes, anchors, ctx.zeros({2, 0, 4}, DType::f32),
                                              ctx.zeros({2, 0}, DType::i32), ctx.zeros({2, 0}, DType::u8));
  for (std::int64_t i = 0; i < 100; ++i) EXPECT_EQ(r.fg.data<std::uint8_t>()[i], 0);
  for (std::int64_t i = 0; i < 300; ++i) EXPECT_EQ(r.target_scores.data<float>()[i], 0.0f);
}

}  // namespace
}  // namespace yolo
