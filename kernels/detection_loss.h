#pragma once
// defines: the glue functors of YOLOv8's detection loss (v8DetectionLoss):
//   HeadGatherKernel   a Detect level (B, H, W, 4R + C) -> distribution logits (B, A, 4R) and class logits (B, A, C)
//   HeadScatterKernel  their gradients back into the level's layout
//   DistDecodeKernel   distances d_s = sum_i i softmax(x_s)_i; pred box = (ax - d0, ay - d1, ax + d2, ay + d3)
//   TargetPrepKernel   per anchor: weight = sum of its target scores (fg only), target box and ltrb distances
//   BoxChainKernel     d loss / d distribution logits from d loss / d pred box, through decode and softmax
//   LossScalesKernel   target-score sum clamped to 1, and each gain over it, on the device
// R = reg_max, C = classes, A = anchors over all levels; anchor units are grid cells.
#include <cstdint>

#include "kernels/dfl.h"
#include "kernels/math.h"

namespace yolo {

struct HeadLevel {
  std::int64_t batch, cells;           // cells = H * W
  std::int64_t anchors_total, offset;  // rows of the (B, A, .) arrays; this level's first anchor
  int dist_channels, classes;          // 4R, C
};

// dist[b, offset + p, k] = x[b, p, k] for k < 4R;  cls[b, offset + p, c] = x[b, p, 4R + c]
struct HeadGatherKernel {
  const float* x;
  HeadLevel l;
  float* dist;
  float* cls;
  YOLO_HD void operator()(std::int64_t r, std::int64_t k) const {
    const std::int64_t b = r / l.cells, p = r % l.cells, row = b * l.anchors_total + l.offset + p;
    const float v = x[r * (l.dist_channels + l.classes) + k];
    if (k < l.dist_channels) {
      dist[row * l.dist_channels + k] = v;
    } else {
      cls[row * l.classes + (k - l.dist_channels)] = v;
    }
  }
};

// dx[b, p, k] = ddist[b, offset + p, k] (k < 4R) or dcls[b, offset + p, k - 4R]
struct HeadScatterKernel {
  const float* ddist;
  const float* dcls;
  HeadLevel l;
  float* dx;
  YOLO_HD void operator()(std::int64_t r, std::int64_t k) const {
    const std::int64_t b = r / l.cells, p = r % l.cells, row = b * l.anchors_total + l.offset + p;
    dx[r * (l.dist_channels + l.classes) + k] =
        k < l.dist_channels ? ddist[row * l.dist_channels + k] : dcls[row * l.classes + (k - l.dist_channels)];
  }
};

// d_s = sum_i i softmax(x[row, s, :])_i;  box = (ax - d0, ay - d1, ax + d2, ay + d3) in grid cells,
// box_px = box * stride (what the assigner sees)
struct DistDecodeKernel {
  const float* dist;     // (B*A, 4R)
  const float* anchors;  // (A, 2) grid cells
  const float* strides;  // (A)
  std::int64_t anchors_total;
  int reg_max;
  float* box;     // (B*A, 4) grid cells
  float* box_px;  // (B*A, 4) pixels
  YOLO_HD void operator()(std::int64_t row) const {
    const std::int64_t a = row % anchors_total;
    float d[4];
    for (int s = 0; s < 4; ++s) d[s] = dfl_softmax(dist + (row * 4 + s) * reg_max, reg_max).mean;
    const float ax = anchors[a * 2], ay = anchors[a * 2 + 1], st = strides[a];
    const float b4[4] = {ax - d[0], ay - d[1], ax + d[2], ay + d[3]};
    for (int k = 0; k < 4; ++k) {
      box[row * 4 + k] = b4[k];
      box_px[row * 4 + k] = b4[k] * st;
    }
  }
};

// weight = fg ? sum_c target_scores : 0; target box in grid cells = target_px / stride;
// ltrb = (ax - x1, ay - y1, x2 - ax, y2 - ay) clamped to [0, R - 1 - 0.01] (ultralytics' bbox2dist)
struct TargetPrepKernel {
  const std::uint8_t* fg;      // (B*A)
  const float* target_scores;  // (B*A, C)
  const float* target_px;      // (B*A, 4)
  const float* anchors;        // (A, 2) grid cells
  const float* strides;        // (A)
  std::int64_t anchors_total, classes;
  int reg_max;
  float* weight;       // (B*A)
  float* target_box;   // (B*A, 4) grid cells
  float* target_ltrb;  // (B*A, 4)
  YOLO_HD void operator()(std::int64_t row) const {
    const std::int64_t a = row % anchors_total;
    float w = 0.0f;
    for (std::int64_t c = 0; c < classes; ++c) w += target_scores[row * classes + c];
    weight[row] = fg[row] != 0 ? w : 0.0f;
    const float st = strides[a], ax = anchors[a * 2], ay = anchors[a * 2 + 1];
    float t[4];
    for (int k = 0; k < 4; ++k) t[k] = target_px[row * 4 + k] / st;
    for (int k = 0; k < 4; ++k) target_box[row * 4 + k] = t[k];
    const float hi = static_cast<float>(reg_max) - 1.0f - 0.01f;
    const float ltrb[4] = {ax - t[0], ay - t[1], t[2] - ax, t[3] - ay};
    for (int k = 0; k < 4; ++k) target_ltrb[row * 4 + k] = ltrb[k] > 0.0f ? (ltrb[k] < hi ? ltrb[k] : hi) : 0.0f;
  }
};

// g_box: d (box loss sum) / d pred box (grid cells), times scale[0]. Through
// x1 = ax - d0, y1 = ay - d1, x2 = ax + d2, y2 = ay + d3 and d_s = sum_i i p_i:
//   d / d x_{s,i} = g_{d_s} p_i (i - d_s),  g_d = (-g_x1, -g_y1, g_x2, g_y2);
// added to ddist (which holds the DFL gradient).
// (g_box in pixels, for a loss computed on pixel boxes, is first times the
// anchor's stride: d / d grid = stride d / d pixel.)
struct BoxChainKernel {
  const float* dist;     // (B*A, 4R)
  const float* g_box;    // (B*A, 4)
  const float* scale;    // (1)
  const float* strides;  // (A), or null when g_box is per grid cell already
  std::int64_t anchors_total;
  int reg_max;
  float* ddist;  // (B*A, 4R), +=
  YOLO_HD void operator()(std::int64_t row, std::int64_t s) const {
    const float sign = s < 2 ? -1.0f : 1.0f;
    const float unit = strides != nullptr ? strides[row % anchors_total] : 1.0f;
    const float g = sign * g_box[row * 4 + s] * unit * scale[0];
    const float* x = dist + (row * 4 + s) * reg_max;
    const DflSoftmax sm = dfl_softmax(x, reg_max);
    for (int i = 0; i < reg_max; ++i) {
      const float p = fast_exp(x[i] - sm.max) / sm.total;
      ddist[(row * 4 + s) * reg_max + i] += g * p * (static_cast<float>(i) - sm.mean);
    }
  }
};

// sums[0] = sum of target scores -> n = max(sums[0], 1);
// scales = (box, cls, dfl gains) / n (the logged components) and the same times B (the gradient of the total)
// components[k] = loss_times_batch[k] / B   (the logged, per-image components)
struct LossComponentsKernel {
  const float* box_sum;  // (1): sum of (1 - iou) * weight
  const float* cls_xb;   // (1): cls loss times B
  const float* dfl_xb;   // (1): dfl loss times B
  const float* scales;   // (6) from LossScalesKernel
  float batch;
  float* components;  // (4): box, cls, dfl, total = (box + cls + dfl) * B
  YOLO_HD void operator()(std::int64_t) const {
    components[0] = box_sum[0] * scales[0];
    components[1] = cls_xb[0] / batch;
    components[2] = dfl_xb[0] / batch;
    components[3] = (components[0] + components[1] + components[2]) * batch;
  }
};

struct LossScalesKernel {
  const float* score_sum;  // (1)
  float box_gain, cls_gain, dfl_gain, batch;
  float* scales;  // (6): box, cls, dfl, box*B, cls*B, dfl*B
  YOLO_HD void operator()(std::int64_t) const {
    const float n = score_sum[0] > 1.0f ? score_sum[0] : 1.0f;
    scales[0] = box_gain / n;
    scales[1] = cls_gain / n;
    scales[2] = dfl_gain / n;
    scales[3] = scales[0] * batch;
    scales[4] = scales[1] * batch;
    scales[5] = scales[2] * batch;
  }
};

}  // namespace yolo
