#pragma once
// defines: the functors of the Task-Aligned Assigner (TAL, Feng et al. 2021)
// as ultralytics 8.4's TaskAlignedAssigner computes it for YOLOv8's loss
// (topk 10, alpha 0.5, beta 6, eps 1e-9, small GT sides raised to the
// middle stride), or, with all_gts, as the YOLOv9 repository's
// utils/tal/assigner.py does (overlaps of every GT-anchor pair, so that an
// anchor claimed by several GTs goes to the best overlap among all GTs).
// Index spaces: b image, j ground truth (M per image, padded),
// a anchor (A per image). (B, M, A) arrays are row-major.
//   TalMetricsKernel     (b*M + j, a): anchor inside the (enlarged) GT, CIoU overlap, alignment metric
//   TalTopkMaskKernel    (b*M + j, t): the top-k anchors of each valid GT become candidates
//   TalResolveKernel     (b, a): an anchor claimed by several GTs keeps the one of highest overlap
//   TalNormaliserKernel  (b*M + j): each GT's largest positive metric and overlap
//   TalTargetsKernel     (b, a): target GT index, box, class scores scaled by the normalised metric
#include <cmath>
#include <cstdint>

#include "kernels/box_iou.h"

namespace yolo {

struct TalShape {
  std::int64_t batch, max_gt, anchors, classes;
  int topk;
  float alpha, beta, eps, min_side;
  bool all_gts;  // an anchor several GTs claim is resolved over all GTs, not only those containing it
};

// The alignment metric t = score^alpha * overlap^beta, and the overlap
// clamp(CIoU(gt, pred), 0): one function each, so that a value computed again
// later (TalResolveKernel) is the same float.
YOLO_HD float tal_alignment(float score, float overlap, const TalShape& s) {
  return powf(score, s.alpha) * powf(overlap, s.beta);
}
YOLO_HD float tal_overlap(const float* gt, const float* pred) {
  const Box<float> g{gt[0], gt[1], gt[2], gt[3]}, p{pred[0], pred[1], pred[2], pred[3]};
  const float ciou = CiouTerm::evaluate(g, p, BoxTermParams<float>{}).value;
  return ciou > 0.0f ? ciou : 0.0f;
}

// in[b,j,a] = anchor a strictly inside GT j (each side of width or height
//   below min_side widened to min_side about the centre), by more than eps;
// overlap = clamp(CIoU(gt, pred_a), 0) and metric = score^alpha * overlap^beta
//   where in[b,j,a] and GT j is valid (else 0), score = pred_scores[b,a,label_j].
// (all_gts needs the overlaps outside the GTs only for anchors several GTs
// claim: TalResolveKernel computes those.)
struct TalMetricsKernel {
  const float* pred_scores;       // (B, A, C) probabilities
  const float* pred_boxes;        // (B, A, 4) xyxy pixels
  const float* anchors;           // (A, 2) pixels
  const float* gt_boxes;          // (B, M, 4) xyxy pixels
  const std::int32_t* gt_labels;  // (B, M)
  const std::uint8_t* gt_valid;   // (B, M)
  TalShape s;
  std::uint8_t* inside;  // (B, M, A)
  float* overlaps;       // (B, M, A)
  float* metrics;        // (B, M, A)
  // Inlined into the anchor loop even though g++ finds the CIoU branch too
  // big: most pairs are outside the GT, and a call per pair cost more than them.
  YOLO_HD YOLO_ALWAYS_INLINE void operator()(std::int64_t bj, std::int64_t a) const {
    const std::int64_t b = bj / s.max_gt, i = bj * s.anchors + a;
    const float* g = gt_boxes + bj * 4;
    const bool valid = gt_valid[bj] != 0;
    // xyxy -> centre and size, small sides raised, -> xyxy (ultralytics' xyxy2xywh / xywh2xyxy)
    const float cx = (g[0] + g[2]) / 2.0f, cy = (g[1] + g[3]) / 2.0f;
    float w = g[2] - g[0], h = g[3] - g[1];
    w = (valid && w < s.min_side) ? s.min_side : w;
    h = (valid && h < s.min_side) ? s.min_side : h;
    const float x1 = cx - w / 2.0f, y1 = cy - h / 2.0f, x2 = cx + w / 2.0f, y2 = cy + h / 2.0f;
    const float ax = anchors[a * 2], ay = anchors[a * 2 + 1];
    const bool in = (ax - x1 > s.eps) && (ay - y1 > s.eps) && (x2 - ax > s.eps) && (y2 - ay > s.eps);
    inside[i] = in ? 1 : 0;
    float overlap = 0.0f, metric = 0.0f;
    if (in && valid) {
      overlap = tal_overlap(g, pred_boxes + (b * s.anchors + a) * 4);
      metric = tal_alignment(pred_scores[(b * s.anchors + a) * s.classes + gt_labels[bj]], overlap, s);
    }
    overlaps[i] = overlap;
    metrics[i] = metric;
  }
};

// For valid GT (b, j) and its t-th best anchor a: candidate[b,j,a] = inside[b,j,a]
// (ultralytics masks the top-k of an invalid GT to index 0, counted k > 1 times: never a candidate)
struct TalTopkMaskKernel {
  const std::int32_t* topk_index;  // (B*M, k)
  const std::uint8_t* gt_valid;    // (B, M)
  const std::uint8_t* inside;      // (B, M, A)
  TalShape s;
  std::uint8_t* candidate;  // (B, M, A), zeroed before
  YOLO_HD void operator()(std::int64_t bj, std::int64_t t) const {
    if (gt_valid[bj] == 0) return;
    const std::int64_t a = topk_index[bj * s.topk + t];
    const std::int64_t i = bj * s.anchors + a;
    candidate[i] = inside[i];
  }
};

// Per anchor: if several GTs claim it, only argmax_j overlaps[b,j,a] (first
// on ties, over all M rows) keeps it; then fg = any claim, gt_index = the
// first claiming j (0 if none).
// all_gts (the YOLOv9 repository, which has the CIoU of every GT-anchor
// pair): the overlaps of such an anchor with the GTs not containing it are
// computed here (padding rows 0: their box is 0 0 0 0, whose clamped CIoU is
// 0 there too), so the winner may be a GT that does not contain it; its
// overlap and its metric score^alpha * overlap^beta, which the repository
// normalises with, are written at the winner's entry.
struct TalResolveKernel {
  const float* pred_scores;       // (B, A, C) probabilities
  const float* pred_boxes;        // (B, A, 4) xyxy pixels
  const float* gt_boxes;          // (B, M, 4) xyxy pixels
  const std::int32_t* gt_labels;  // (B, M)
  const std::uint8_t* gt_valid;   // (B, M)
  const std::uint8_t* inside;     // (B, M, A)
  TalShape s;
  float* overlaps;          // (B, M, A): the winner's entry, in place (one column per thread)
  std::uint8_t* candidate;  // (B, M, A), updated in place (same column)
  float* metrics;           // (B, M, A): the winner's entry, in place (same column)
  std::uint8_t* fg;         // (B, A)
  std::int32_t* gt_index;   // (B, A)
  // The overlap of GT j with anchor a as the resolution sees it.
  YOLO_HD float overlap(std::int64_t b, std::int64_t j, std::int64_t a) const {
    const std::int64_t bj = b * s.max_gt + j, i = bj * s.anchors + a;
    if (!s.all_gts || (inside[i] != 0 && gt_valid[bj] != 0)) return overlaps[i];
    return gt_valid[bj] != 0 ? tal_overlap(gt_boxes + bj * 4, pred_boxes + (b * s.anchors + a) * 4) : 0.0f;
  }
  YOLO_HD void operator()(std::int64_t b, std::int64_t a) const {
    const std::int64_t base = b * s.max_gt * s.anchors + a;
    int claims = 0;
    for (std::int64_t j = 0; j < s.max_gt; ++j) claims += candidate[base + j * s.anchors];
    if (claims > 1) {
      std::int64_t best = 0;
      float best_overlap = overlap(b, 0, a);
      for (std::int64_t j = 1; j < s.max_gt; ++j) {
        const float o = overlap(b, j, a);
        if (o > best_overlap) best = j, best_overlap = o;
      }
      for (std::int64_t j = 0; j < s.max_gt; ++j) candidate[base + j * s.anchors] = j == best ? 1 : 0;
      if (s.all_gts) {
        const std::int32_t label = gt_labels[b * s.max_gt + best];  // a padding row's may be < 0 (overlap 0)
        const float score = pred_scores[(b * s.anchors + a) * s.classes + (label < 0 ? 0 : label)];
        overlaps[base + best * s.anchors] = best_overlap;
        metrics[base + best * s.anchors] = tal_alignment(score, best_overlap, s);
      }
    }
    std::int32_t first = 0;
    bool any = false;
    for (std::int64_t j = 0; j < s.max_gt && !any; ++j) {
      if (candidate[base + j * s.anchors] != 0) {
        any = true;
        first = static_cast<std::int32_t>(j);
      }
    }
    fg[b * s.anchors + a] = any ? 1 : 0;
    gt_index[b * s.anchors + a] = first;
  }
};

// Per GT: max over its positive anchors of the metric and of the overlap.
// A lane functor over (B*M rows, one column), so that the CPU runs the rows
// in parallel (Exec::parallel_for_lanes with cost A); within a row, kSpan
// running maxima over interleaved anchors vectorise, then fold. The values
// are finite and >= 0, so any order of max gives the same float.
struct TalNormaliserKernel {
  static constexpr int kSpan = 16;
  const std::uint8_t* candidate;  // (B, M, A) after resolution
  const float* overlaps;
  const float* metrics;
  TalShape s;
  float* max_metric;   // (B*M)
  float* max_overlap;  // (B*M)
  template <int L>
  YOLO_HD void operator()(std::int64_t bj, std::int64_t) const {
    const std::uint8_t* keep = candidate + bj * s.anchors;
    const float* metric = metrics + bj * s.anchors;
    const float* overlap = overlaps + bj * s.anchors;
    float m[kSpan], o[kSpan];
    for (int l = 0; l < kSpan; ++l) m[l] = o[l] = 0.0f;
    const std::int64_t full = s.anchors / kSpan * kSpan;
    for (std::int64_t a = 0; a < full; a += kSpan) {
      YOLO_LANE_LOOP
      for (int l = 0; l < kSpan; ++l) {
        const float k = keep[a + l] != 0 ? 1.0f : 0.0f;
        m[l] = m[l] > metric[a + l] * k ? m[l] : metric[a + l] * k;
        o[l] = o[l] > overlap[a + l] * k ? o[l] : overlap[a + l] * k;
      }
    }
    for (std::int64_t a = full; a < s.anchors; ++a) {
      const float k = keep[a] != 0 ? 1.0f : 0.0f;
      m[0] = m[0] > metric[a] * k ? m[0] : metric[a] * k;
      o[0] = o[0] > overlap[a] * k ? o[0] : overlap[a] * k;
    }
    for (int l = 1; l < kSpan; ++l) {
      m[0] = m[0] > m[l] ? m[0] : m[l];
      o[0] = o[0] > o[l] ? o[0] : o[l];
    }
    max_metric[bj] = m[0];
    max_overlap[bj] = o[0];
  }
};

// Per anchor: norm = max_j metric[b,j,a] * candidate * max_overlap[j] / (max_metric[j] + eps);
// target box = gt_boxes[b, gt_index]; target_scores[b,a,c] = norm if fg and c == label else 0.
struct TalTargetsKernel {
  const std::uint8_t* candidate;
  const float* metrics;
  const float* max_metric;
  const float* max_overlap;
  const std::uint8_t* fg;
  const std::int32_t* gt_index;
  const float* gt_boxes;
  const std::int32_t* gt_labels;
  TalShape s;
  float* target_boxes;   // (B, A, 4)
  float* target_scores;  // (B, A, C)
  YOLO_HD void operator()(std::int64_t b, std::int64_t a) const {
    float norm = 0.0f;
    for (std::int64_t j = 0; j < s.max_gt; ++j) {
      const std::int64_t bj = b * s.max_gt + j, i = bj * s.anchors + a;
      const float m = (candidate[i] != 0 ? metrics[i] : 0.0f) * max_overlap[bj] / (max_metric[bj] + s.eps);
      norm = norm > m ? norm : m;
    }
    const std::int64_t ba = b * s.anchors + a, g = b * s.max_gt + gt_index[ba];
    for (int k = 0; k < 4; ++k) target_boxes[ba * 4 + k] = gt_boxes[g * 4 + k];
    const std::int32_t label = gt_labels[g] < 0 ? 0 : gt_labels[g];
    for (std::int64_t c = 0; c < s.classes; ++c)
      target_scores[ba * s.classes + c] = (fg[ba] != 0 && c == label) ? norm : 0.0f;
  }
};

}  // namespace yolo
