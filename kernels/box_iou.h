#pragma once
// defines: the IoU family of box-regression terms for a predicted box p and
// its target t (both xyxy), each with its analytic gradient w.r.t. p, and
// BoxLossKernel, YOLOv8's per-anchor box loss (1 - term) * weight in one pass:
//   IouTerm, GiouTerm, DiouTerm, CiouTerm  ultralytics' bbox_iou(p, t, xywh=False, GIoU/DIoU/CIoU, eps=1e-7),
//                                          with its order of operations
//   MpdiouTerm                             MPDIoU (Ma & Xu 2023) on that same IoU
// Every term is a template on the scalar T: the kernel runs it in float, the
// unit test runs the very same code in double against finite differences.
//
// The gradient is the one torch 1.13's autograd computes (derivatives.yaml;
// tests/oracle/test_box_loss_oracle.cpp checks it), including its subgradients:
//   minimum(a, b), maximum(a, b): the gradient goes to the winner, half to each
//     side at a tie a == b (identical edges; the average of the two one-sided
//     derivatives, which is what a central difference sees);
//   clamp(x, min=0) of an intersection side: the gradient passes where x >= 0,
//     so at x == 0 (boxes touching, a zero-width box inside the other) the
//     intersection has the one-sided derivative from the overlapping side;
//   CIoU's alpha is a constant (ultralytics computes it under torch.no_grad).
// CIoU calls atan from libm: the loss runs over the positive anchors only (a
// few thousand per batch), where matching torch's accurate atan is worth more
// than a vectorised polynomial.
#include <cmath>
#include <cstdint>

#include "engine/core/hd.h"

namespace yolo {

template <class T>
struct Box {
  T x1, y1, x2, y2;
};

// A term (or a loss) and its gradient w.r.t. the predicted box's coordinates.
template <class T>
struct BoxValueGrad {
  T value;
  Box<T> grad;  // d value / d (p.x1, p.y1, p.x2, p.y2)
};

template <class T>
struct BoxTermParams {
  T image_w = 0, image_h = 0;  // MPDIoU: the input image's size, in the boxes' units
  // CIoU: alpha if >= 0, else computed from p and t. The finite-difference
  // test holds it fixed, as autograd does.
  T ciou_alpha = -1;
};

namespace box_iou_detail {

template <class T>
inline constexpr T kEps = T(1e-7);  // ultralytics' eps

// atan(x) in T's precision
YOLO_HD float atan_of(float x) { return atanf(x); }
YOLO_HD double atan_of(double x) { return atan(x); }

// min(a, b), max(a, b) as torch.minimum / torch.maximum (equal values: either)
template <class T>
YOLO_HD T min_of(T a, T b) {
  return a < b ? a : b;
}
template <class T>
YOLO_HD T max_of(T a, T b) {
  return a > b ? a : b;
}
// d min(a, b) / da = 1 if a < b, 1/2 if a == b, 0 if a > b   (torch's rule)
template <class T>
YOLO_HD T d_min(T a, T b) {
  return a < b ? T(1) : (a == b ? T(0.5) : T(0));
}
// d max(a, b) / da = 1 if a > b, 1/2 if a == b, 0 if a < b   (torch's rule)
template <class T>
YOLO_HD T d_max(T a, T b) {
  return a > b ? T(1) : (a == b ? T(0.5) : T(0));
}

// The IoU and what its backward needs:
//   w1 = p.x2 - p.x1, h1 = p.y2 - p.y1 + eps (w2, h2 of t likewise)
//   inter = clamp(min(x2) - max(x1), 0) * clamp(min(y2) - max(y1), 0)
//   union = w1 h1 + w2 h2 - inter + eps,  iou = inter / union
template <class T>
struct IouParts {
  T w1, h1, w2, h2;
  T iw, ih;               // the clamped intersection sides
  bool iw_pass, ih_pass;  // side before the clamp >= 0: clamp passes the gradient
  T inter, uni, iou;
};

// IouParts of p and t, in ultralytics' order of operations
template <class T>
YOLO_HD IouParts<T> iou_forward(const Box<T>& p, const Box<T>& t) {
  IouParts<T> c;
  c.w1 = p.x2 - p.x1;
  c.h1 = p.y2 - p.y1 + kEps<T>;
  c.w2 = t.x2 - t.x1;
  c.h2 = t.y2 - t.y1 + kEps<T>;
  const T iw = min_of(p.x2, t.x2) - max_of(p.x1, t.x1);
  const T ih = min_of(p.y2, t.y2) - max_of(p.y1, t.y1);
  c.iw_pass = iw >= T(0);
  c.ih_pass = ih >= T(0);
  c.iw = c.iw_pass ? iw : T(0);
  c.ih = c.ih_pass ? ih : T(0);
  c.inter = c.iw * c.ih;
  c.uni = c.w1 * c.h1 + c.w2 * c.h2 - c.inter + kEps<T>;
  c.iou = c.inter / c.uni;
  return c;
}

// g += the chain rule back from iou = inter / union to p, given the adjoints
// of iou and the other uses of union, w1, h1 (the penalties'):
//   g_union += -g_iou iou / union,  g_inter = g_iou / union - g_union,
//   g_w1 += g_union h1,  g_h1 += g_union w1,  g_iw = g_inter ih [iw >= 0],  g_ih = g_inter iw [ih >= 0],
//   w1 = p.x2 - p.x1,  iw = min(p.x2, t.x2) - max(p.x1, t.x1)  (h1, ih likewise in y)
template <class T>
YOLO_HD void iou_backward(const IouParts<T>& c, const Box<T>& p, const Box<T>& t, T g_iou, T g_union, T g_w1, T g_h1,
                          Box<T>& g) {
  g_union -= g_iou * c.iou / c.uni;
  const T g_inter = g_iou / c.uni - g_union;
  g_w1 += g_union * c.h1;
  g_h1 += g_union * c.w1;
  const T g_iw = c.iw_pass ? g_inter * c.ih : T(0);
  const T g_ih = c.ih_pass ? g_inter * c.iw : T(0);
  g.x1 += -g_w1 - g_iw * d_max(p.x1, t.x1);
  g.x2 += g_w1 + g_iw * d_min(p.x2, t.x2);
  g.y1 += -g_h1 - g_ih * d_max(p.y1, t.y1);
  g.y2 += g_h1 + g_ih * d_min(p.y2, t.y2);
}

// the enclosing box's sides: cw = max(x2) - min(x1), ch = max(y2) - min(y1)
template <class T>
YOLO_HD T enclosing_w(const Box<T>& p, const Box<T>& t) {
  return max_of(p.x2, t.x2) - min_of(p.x1, t.x1);
}
template <class T>
YOLO_HD T enclosing_h(const Box<T>& p, const Box<T>& t) {
  return max_of(p.y2, t.y2) - min_of(p.y1, t.y1);
}

// g += g_cw d cw / dp + g_ch d ch / dp
template <class T>
YOLO_HD void enclosing_backward(const Box<T>& p, const Box<T>& t, T g_cw, T g_ch, Box<T>& g) {
  g.x1 -= g_cw * d_min(p.x1, t.x1);
  g.x2 += g_cw * d_max(p.x2, t.x2);
  g.y1 -= g_ch * d_min(p.y1, t.y1);
  g.y2 += g_ch * d_max(p.y2, t.y2);
}

// DIoU's penalty rho2 / c2 with c2 = cw^2 + ch^2 + eps, rho2 = (dx^2 + dy^2) / 4,
// dx = t.x1 + t.x2 - p.x1 - p.x2 (twice the centres' distance; dy likewise);
// g += g_penalty * d penalty / dp. Returns the penalty.
template <class T>
YOLO_HD T center_penalty(const Box<T>& p, const Box<T>& t, T g_penalty, Box<T>& g) {
  const T cw = enclosing_w(p, t), ch = enclosing_h(p, t);
  const T c2 = cw * cw + ch * ch + kEps<T>;
  const T dx = t.x1 + t.x2 - p.x1 - p.x2, dy = t.y1 + t.y2 - p.y1 - p.y2;
  const T rho2 = (dx * dx + dy * dy) / T(4);
  const T ratio = rho2 / c2;
  // d ratio / d rho2 = 1 / c2, d ratio / d c2 = -ratio / c2, d rho2 / d p.x1 = -dx / 2, d c2 / d cw = 2 cw
  const T g_rho2 = g_penalty / c2, g_c2 = -g_penalty * ratio / c2;
  enclosing_backward(p, t, g_c2 * T(2) * cw, g_c2 * T(2) * ch, g);
  const T g_dx = g_rho2 * dx / T(2), g_dy = g_rho2 * dy / T(2);
  g.x1 -= g_dx;
  g.x2 -= g_dx;
  g.y1 -= g_dy;
  g.y2 -= g_dy;
  return ratio;
}

// CIoU's aspect-ratio term is v = 4 / pi^2 * a^2 with a = atan(w2 / h2) - atan(w1 / h1)
template <class T>
inline constexpr T kFourOverPiSquared = T(0.405284734569351085775517852838911);

// a = atan(w2 / h2) - atan(w1 / h1)
template <class T>
YOLO_HD T ciou_angle_gap(const IouParts<T>& c) {
  return atan_of(c.w2 / c.h2) - atan_of(c.w1 / c.h1);
}

}  // namespace box_iou_detail

// iou = inter / union
struct IouTerm {
  template <class T>
  YOLO_HD static BoxValueGrad<T> evaluate(const Box<T>& p, const Box<T>& t, const BoxTermParams<T>&) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    BoxValueGrad<T> r{c.iou, {T(0), T(0), T(0), T(0)}};
    d::iou_backward(c, p, t, T(1), T(0), T(0), T(0), r.grad);
    return r;
  }
};

// giou = iou - (c_area - union) / c_area,  c_area = cw * ch + eps (the enclosing box's area)
struct GiouTerm {
  template <class T>
  YOLO_HD static BoxValueGrad<T> evaluate(const Box<T>& p, const Box<T>& t, const BoxTermParams<T>&) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    const T cw = d::enclosing_w(p, t), ch = d::enclosing_h(p, t);
    const T c_area = cw * ch + d::kEps<T>;
    const T q = (c_area - c.uni) / c_area;
    BoxValueGrad<T> r{c.iou - q, {T(0), T(0), T(0), T(0)}};
    // d q / d union = -1 / c_area, d q / d c_area = (1 - q) / c_area
    const T g_c_area = (q - T(1)) / c_area;
    d::enclosing_backward(p, t, g_c_area * ch, g_c_area * cw, r.grad);
    d::iou_backward(c, p, t, T(1), T(1) / c_area, T(0), T(0), r.grad);
    return r;
  }
};

// diou = iou - rho2 / c2   (rho2: squared distance of the centres, c2: squared diagonal of the enclosing box + eps)
struct DiouTerm {
  template <class T>
  YOLO_HD static BoxValueGrad<T> evaluate(const Box<T>& p, const Box<T>& t, const BoxTermParams<T>&) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    BoxValueGrad<T> r{T(0), {T(0), T(0), T(0), T(0)}};
    const T penalty = d::center_penalty(p, t, T(-1), r.grad);
    r.value = c.iou - penalty;
    d::iou_backward(c, p, t, T(1), T(0), T(0), T(0), r.grad);
    return r;
  }
};

// ciou = iou - (rho2 / c2 + v * alpha),  v = 4 / pi^2 (atan(w2 / h2) - atan(w1 / h1))^2,
// alpha = v / (1 - iou + v + eps) held constant for the gradient (ultralytics 8.4.190's
// order of operations, which the oracle test pins)
struct CiouTerm {
  // alpha = v / (1 - iou + v + eps)
  template <class T>
  YOLO_HD static T alpha(const Box<T>& p, const Box<T>& t) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    const T a = d::ciou_angle_gap(c);
    const T v = d::kFourOverPiSquared<T> * (a * a);
    return v / (T(1) - c.iou + v + d::kEps<T>);
  }

  template <class T>
  YOLO_HD static BoxValueGrad<T> evaluate(const Box<T>& p, const Box<T>& t, const BoxTermParams<T>& params) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    const T a = d::ciou_angle_gap(c);
    const T v = d::kFourOverPiSquared<T> * (a * a);
    const T alpha = params.ciou_alpha >= T(0) ? params.ciou_alpha : v / (T(1) - c.iou + v + d::kEps<T>);
    BoxValueGrad<T> r{T(0), {T(0), T(0), T(0), T(0)}};
    const T penalty = d::center_penalty(p, t, T(-1), r.grad);
    r.value = c.iou - (penalty + v * alpha);
    // d (-v alpha) / d r1 = 2 alpha 4 / pi^2 a / (1 + r1^2), r1 = w1 / h1: d r1 = d w1 / h1 - r1 d h1 / h1
    const T r1 = c.w1 / c.h1;
    const T g_r1 = T(2) * d::kFourOverPiSquared<T> * alpha * a / (T(1) + r1 * r1);
    d::iou_backward(c, p, t, T(1), T(0), g_r1 / c.h1, -g_r1 * r1 / c.h1, r.grad);
    return r;
  }
};

// mpdiou = iou - d1^2 / (W^2 + H^2) - d2^2 / (W^2 + H^2), d1 (d2): the distance of the
// top-left (bottom-right) corners, W x H the input image (Ma & Xu 2023)
struct MpdiouTerm {
  template <class T>
  YOLO_HD static BoxValueGrad<T> evaluate(const Box<T>& p, const Box<T>& t, const BoxTermParams<T>& params) {
    namespace d = box_iou_detail;
    const d::IouParts<T> c = d::iou_forward(p, t);
    const T diag2 = params.image_w * params.image_w + params.image_h * params.image_h;
    const T dx1 = p.x1 - t.x1, dy1 = p.y1 - t.y1, dx2 = p.x2 - t.x2, dy2 = p.y2 - t.y2;
    const T d1 = dx1 * dx1 + dy1 * dy1, d2 = dx2 * dx2 + dy2 * dy2;
    // d (d1 / diag2) / d p.x1 = 2 dx1 / diag2, ...
    BoxValueGrad<T> r{c.iou - d1 / diag2 - d2 / diag2,
                      {T(-2) * dx1 / diag2, T(-2) * dy1 / diag2, T(-2) * dx2 / diag2, T(-2) * dy2 / diag2}};
    d::iou_backward(c, p, t, T(1), T(0), T(0), T(0), r.grad);
    return r;
  }
};

// loss = (1 - term) * weight,  d loss / dp = -weight * d term / dp
template <class Term, class T>
YOLO_HD BoxValueGrad<T> box_loss_and_grad(const Box<T>& p, const Box<T>& t, T weight, const BoxTermParams<T>& params) {
  const BoxValueGrad<T> term = Term::evaluate(p, t, params);
  return {(T(1) - term.value) * weight,
          {-weight * term.grad.x1, -weight * term.grad.y1, -weight * term.grad.x2, -weight * term.grad.y2}};
}

// For positive anchor i: loss[i] = (1 - term(pred[i], target[i])) * weight[i],
// grad_pred[i, :] = d loss[i] / d pred[i, :]   (pred, target (P, 4) xyxy)
template <class Term>
struct BoxLossKernel {
  const float* pred;
  const float* target;
  const float* weight;
  BoxTermParams<float> params;
  float* loss;       // (P)
  float* grad_pred;  // (P, 4)
  YOLO_HD void operator()(std::int64_t i) const {
    const float* p = pred + 4 * i;
    const float* t = target + 4 * i;
    const BoxValueGrad<float> r = box_loss_and_grad<Term>(Box<float>{p[0], p[1], p[2], p[3]},
                                                          Box<float>{t[0], t[1], t[2], t[3]}, weight[i], params);
    loss[i] = r.value;
    float* g = grad_pred + 4 * i;
    g[0] = r.grad.x1;
    g[1] = r.grad.y1;
    g[2] = r.grad.x2;
    g[3] = r.grad.y2;
  }
};

}  // namespace yolo
