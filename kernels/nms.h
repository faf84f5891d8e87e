#pragma once
// defines: the functors of batched non-maximum suppression (engine/eval/nms.h):
// NmsCandidateKernel (confidence filter, best class or every class),
// NmsGatherKernel (the top candidates as xyxy boxes), then the greedy
// suppression in one of two schedules with the same result: NmsMaskKernel
// (which later candidates each one suppresses, as bits: all pairs in
// parallel, for a GPU) + NmsScanKernel (the greedy pass over those bits), or
// NmsGreedyKernel (the greedy pass computing IoUs as it goes, only against
// candidates still standing: far less work, for a CPU); NmsOutputKernel.
#include <cstdint>

#include "engine/core/hd.h"

namespace yolo {

// A candidate that is not one: sorts after every real score.
inline constexpr float kNmsNoCandidate = -1.0f;

// Single label: key[b, a] = max_c score[b, a, c] when it is > conf and its
// class is allowed, else kNmsNoCandidate; label[b, a] = its class (the
// first on ties). Multi-label: key[b, a * nc + c] = score[b, a, c] when > conf
// and allowed. pred (B, A, 4 + nc): (cx, cy, w, h, scores...).
struct NmsCandidateKernel {
  const float* pred;
  const std::uint8_t* allowed;  // (nc): 1 = keep the class
  std::int64_t anchors;
  std::int32_t nc;
  float conf;
  bool multi_label;
  float* key;
  std::int32_t* label;  // single label only

  YOLO_HD void operator()(std::int64_t i) const {
    if (multi_label) {
      const std::int64_t row = i / nc;  // b * A + a
      const auto c = static_cast<std::int32_t>(i - row * nc);
      const float s = pred[row * (4 + nc) + 4 + c];
      key[i] = s > conf && allowed[c] ? s : kNmsNoCandidate;
      return;
    }
    const float* scores = pred + i * (4 + nc) + 4;
    std::int32_t best = 0;
    for (std::int32_t c = 1; c < nc; ++c) best = scores[c] > scores[best] ? c : best;
    key[i] = scores[best] > conf && allowed[best] ? scores[best] : kNmsNoCandidate;
    label[i] = best;
  }
};

// Candidate k of image b (the k-th best key): its box as (x1, y1, x2, y2) =
// (cx - w/2, cy - h/2, cx + w/2, cy + h/2), score and class.
struct NmsGatherKernel {
  const float* pred;
  const float* top_values;       // (B, K)
  const std::int32_t* top_index;  // (B, K): into the key row
  const std::int32_t* label;      // (B, A) single label; unused for multi-label
  std::int64_t anchors;
  std::int32_t nc, k;
  bool multi_label;
  float* boxes;          // (B, K, 4)
  float* scores;         // (B, K)
  std::int32_t* classes;  // (B, K)

  YOLO_HD void operator()(std::int64_t i) const {
    const std::int64_t b = i / k;
    const std::int32_t index = top_index[i];
    const std::int64_t anchor = multi_label ? index / nc : index;
    const std::int32_t cls = multi_label ? index % nc : label[b * anchors + index];
    const float* p = pred + (b * anchors + anchor) * (4 + nc);
    boxes[i * 4 + 0] = p[0] - p[2] * 0.5f;
    boxes[i * 4 + 1] = p[1] - p[3] * 0.5f;
    boxes[i * 4 + 2] = p[0] + p[2] * 0.5f;
    boxes[i * 4 + 3] = p[1] + p[3] * 0.5f;
    scores[i] = top_values[i];
    classes[i] = cls;
  }
};

// Whether candidate i suppresses candidate j: the same class (unless
// agnostic), and IoU = inter / (area_i + area_j - inter) > threshold, areas
// (x2 - x1)(y2 - y1) as torchvision's nms (0 for a degenerate box: then
// IoU is 0 / 0 and never suppresses, as there).
YOLO_HD bool nms_suppresses(const float* a, const float* b, float threshold) {
  const float iw = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
  const float ih = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
  const float inter = (iw > 0.0f ? iw : 0.0f) * (ih > 0.0f ? ih : 0.0f);
  const float area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  return inter / (area_a + area_b - inter) > threshold;
}

// mask[i, w] of one image: bit t set when candidate i suppresses candidate
// j = 64 w + t, for j > i and both real candidates (score not
// kNmsNoCandidate). Rows i, columns w (Exec::parallel_for_2d).
struct NmsMaskKernel {
  const float* boxes;     // (K, 4) of the image
  const float* scores;    // (K)
  const std::int32_t* classes;
  std::int32_t k, words;
  float iou;
  bool agnostic;
  std::uint64_t* mask;  // (K, words)

  YOLO_HD void operator()(std::int64_t i, std::int64_t w) const {
    std::uint64_t bits = 0;
    const std::int64_t first = w * 64;
    if (scores[i] != kNmsNoCandidate && first + 63 > i) {
      for (int t = 0; t < 64; ++t) {
        const std::int64_t j = first + t;
        if (j <= i || j >= k || scores[j] == kNmsNoCandidate) continue;
        if (!agnostic && classes[j] != classes[i]) continue;
        if (nms_suppresses(boxes + i * 4, boxes + j * 4, iou)) bits |= std::uint64_t{1} << t;
      }
    }
    mask[i * words + w] = bits;
  }
};

// The greedy pass of one image (index b): in score order, a candidate not yet
// suppressed is kept and suppresses those its mask row names; stops at
// max_det kept (ultralytics keeps the first max_det). removed: (B, words)
// scratch, zeroed here.
struct NmsScanKernel {
  const float* scores;        // (B, K)
  const std::uint64_t* mask;  // (B, K, words), or (K, words) with mask_stride 0
  std::int64_t mask_stride;   // elements between images' masks
  std::int32_t k, words, max_det;
  std::uint64_t* removed;  // (B, words)
  std::int32_t* kept;      // (B, max_det): candidate indices
  std::int32_t* counts;    // (B)

  YOLO_HD void operator()(std::int64_t b) const {
    std::uint64_t* gone = removed + b * words;
    for (std::int32_t w = 0; w < words; ++w) gone[w] = 0;
    const std::uint64_t* m = mask + b * mask_stride;
    std::int32_t n = 0;
    for (std::int32_t i = 0; i < k && n < max_det; ++i) {
      if (scores[b * k + i] == kNmsNoCandidate) break;  // sorted: the rest are not candidates
      if ((gone[i / 64] >> (i % 64)) & 1u) continue;
      kept[b * max_det + n++] = i;
      for (std::int32_t w = i / 64; w < words; ++w) gone[w] |= m[static_cast<std::int64_t>(i) * words + w];
    }
    counts[b] = n;
  }
};

// The greedy pass of one image (index b) computing IoUs on the way: in
// score order, a candidate not yet suppressed is kept and suppresses the
// later ones still standing (same class unless agnostic, IoU > threshold);
// stops at max_det kept. removed: (B, K) scratch, zeroed here.
struct NmsGreedyKernel {
  const float* boxes;  // (B, K, 4)
  const float* scores;
  const std::int32_t* classes;
  std::int32_t k, max_det;
  float iou;
  bool agnostic;
  std::uint8_t* removed;  // (B, K)
  std::int32_t* kept;     // (B, max_det)
  std::int32_t* counts;   // (B)

  YOLO_HD void operator()(std::int64_t b) const {
    const float* s = scores + b * k;
    const float* box = boxes + b * k * 4;
    const std::int32_t* cls = classes + b * k;
    std::uint8_t* gone = removed + b * k;
    std::int32_t candidates = 0;
    while (candidates < k && s[candidates] != kNmsNoCandidate) gone[candidates++] = 0;  // sorted: the rest are not
    std::int32_t n = 0;
    for (std::int32_t i = 0; i < candidates && n < max_det; ++i) {
      if (gone[i]) continue;
      kept[b * max_det + n++] = i;
      for (std::int32_t j = i + 1; j < candidates; ++j) {
        if (gone[j] || (!agnostic && cls[j] != cls[i])) continue;
        gone[j] = nms_suppresses(box + i * 4, box + j * 4, iou) ? 1 : 0;
      }
    }
    counts[b] = n;
  }
};

// Detection d of image b: the kept candidate's box, score and class
// (zeros past the image's count).
struct NmsOutputKernel {
  const float* boxes;  // (B, K, 4)
  const float* scores;
  const std::int32_t* classes;
  const std::int32_t* kept;    // (B, max_det)
  const std::int32_t* counts;  // (B)
  std::int32_t k, max_det;
  float* out_boxes;  // (B, max_det, 4)
  float* out_scores;
  std::int32_t* out_classes;

  YOLO_HD void operator()(std::int64_t i) const {
    const std::int64_t b = i / max_det, d = i - b * max_det;
    const bool real = d < counts[b];
    const std::int64_t c = b * k + (real ? kept[i] : 0);
    for (int e = 0; e < 4; ++e) out_boxes[i * 4 + e] = real ? boxes[c * 4 + e] : 0.0f;
    out_scores[i] = real ? scores[c] : 0.0f;
    out_classes[i] = real ? classes[c] : 0;
  }
};

}  // namespace yolo
