#include "engine/data/augment.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include "engine/core/error.h"

namespace yolo {
namespace {

using Matrix3 = std::array<double, 9>;  // row-major

Matrix3 multiply(const Matrix3& a, const Matrix3& b) {
  Matrix3 c{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    }
  }
  return c;
}

// Adjugate over determinant; nothing when singular (a drawn scale of 0,
// possible when the scale range reaches it).
std::optional<Matrix3> invert(const Matrix3& m) {
  const double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
  const double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
  if (!(std::abs(det) > 1e-12)) return std::nullopt;
  const double s = 1.0 / det;
  return Matrix3{c00 * s,
                 (m[2] * m[7] - m[1] * m[8]) * s,
                 (m[1] * m[5] - m[2] * m[4]) * s,
                 c01 * s,
                 (m[0] * m[8] - m[2] * m[6]) * s,
                 (m[2] * m[3] - m[0] * m[5]) * s,
                 c02 * s,
                 (m[1] * m[6] - m[0] * m[7]) * s,
                 (m[0] * m[4] - m[1] * m[3]) * s};
}

Matrix3 translation(double x, double y) { return {1, 0, x, 0, 1, y, 0, 0, 1}; }

double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }

// ultralytics' Mosaic._mosaic4: the sample's image top-left of the centre
// (xc, yc), three partners top-right, bottom-left, bottom-right, each cut to
// the 2s x 2s canvas.
void place_mosaic(SamplePlan& plan, std::int32_t s, std::int64_t index, std::span<const ImageExtent> extents,
                  SampleRandom& random) {
  plan.mosaic = true;
  plan.canvas_w = plan.canvas_h = 2 * s;
  const double half = static_cast<double>(s / 2);
  const int yc = static_cast<int>(random.uniform(half, 2.0 * s - half));
  const int xc = static_cast<int>(random.uniform(half, 2.0 * s - half));
  const auto n = static_cast<std::int64_t>(extents.size());
  const std::int64_t images[4] = {index, random.below(n), random.below(n), random.below(n)};
  for (int i = 0; i < 4; ++i) {
    const ImageExtent e = extents[images[i]];
    const int w = e.width, h = e.height;
    int x1a, y1a, x2a, y2a, x1b, y1b;
    if (i == 0) {
      x1a = std::max(xc - w, 0), y1a = std::max(yc - h, 0), x2a = xc, y2a = yc;
      x1b = w - (x2a - x1a), y1b = h - (y2a - y1a);
    } else if (i == 1) {
      x1a = xc, y1a = std::max(yc - h, 0), x2a = std::min(xc + w, 2 * s), y2a = yc;
      x1b = 0, y1b = h - (y2a - y1a);
    } else if (i == 2) {
      x1a = std::max(xc - w, 0), y1a = yc, x2a = xc, y2a = std::min(2 * s, yc + h);
      x1b = w - (x2a - x1a), y1b = 0;
    } else {
      x1a = xc, y1a = yc, x2a = std::min(xc + w, 2 * s), y2a = std::min(2 * s, yc + h);
      x1b = 0, y1b = 0;
    }
    plan.tiles.push_back(CanvasTile{static_cast<std::int32_t>(images[i]), x1a, y1a, x2a, y2a, x1a - x1b, y1a - y1b});
    plan.tile_extents.push_back(e);
  }
}

void place_single(SamplePlan& plan, std::int64_t index, ImageExtent e, std::int32_t pad_x, std::int32_t pad_y) {
  plan.tiles.push_back(
      CanvasTile{static_cast<std::int32_t>(index), pad_x, pad_y, pad_x + e.width, pad_y + e.height, pad_x, pad_y});
  plan.tile_extents.push_back(e);
}

// ultralytics' RandomPerspective: M = T S R P C. C centres the canvas, P
// adds perspective, R rotates by a and scales by s (cv2.getRotationMatrix2D
// about the origin), S shears, T moves the centre to a random point near the
// middle of the output.
void draw_warp(SamplePlan& plan, const AugmentOptions& o, SampleRandom& random) {
  const Matrix3 C = translation(-plan.canvas_w / 2.0, -plan.canvas_h / 2.0);
  Matrix3 P = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  P[6] = random.uniform(-o.perspective, o.perspective);
  P[7] = random.uniform(-o.perspective, o.perspective);
  const double a = radians(random.uniform(-o.degrees, o.degrees));
  const double s = random.uniform(1.0 - o.scale, 1.0 + o.scale);
  const Matrix3 R = {s * std::cos(a), s * std::sin(a), 0, -s * std::sin(a), s * std::cos(a), 0, 0, 0, 1};
  Matrix3 S = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  S[1] = std::tan(radians(random.uniform(-o.shear, o.shear)));
  S[3] = std::tan(radians(random.uniform(-o.shear, o.shear)));
  // Named draws: the order of function arguments' evaluation is unspecified.
  const double tx = random.uniform(0.5 - o.translate, 0.5 + o.translate) * plan.out_w;
  const double ty = random.uniform(0.5 - o.translate, 0.5 + o.translate) * plan.out_h;
  const Matrix3 T = translation(tx, ty);
  plan.warp = multiply(T, multiply(S, multiply(R, multiply(P, C))));
  plan.warp_scale = s;
}

// ultralytics' RandomHSV: r = U(-1, 1) * gains; hue += 180 r0, sat *= 1 + r1,
// val *= 1 + r2.
void draw_hsv(SamplePlan& plan, const AugmentOptions& o, SampleRandom& random) {
  if (o.hsv_h == 0.0 && o.hsv_s == 0.0 && o.hsv_v == 0.0) return;
  plan.hue_shift = static_cast<float>(random.uniform(-1.0, 1.0) * o.hsv_h * 180.0);
  plan.sat_gain = static_cast<float>(1.0 + random.uniform(-1.0, 1.0) * o.hsv_s);
  plan.val_gain = static_cast<float>(1.0 + random.uniform(-1.0, 1.0) * o.hsv_v);
}

std::array<double, 2> apply(const Matrix3& m, double x, double y) {
  const double w = m[6] * x + m[7] * y + m[8];
  return {(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w};
}

struct Corners {
  double x1, y1, x2, y2;
};

// Denormalised xyxy of `box` in an image of size e, offset by (dx, dy).
Corners to_pixels(const LabelBox& box, ImageExtent e, double dx, double dy) {
  const double cx = box.xc * e.width, cy = box.yc * e.height;
  const double hw = box.w * e.width / 2.0, hh = box.h * e.height / 2.0;
  return {cx - hw + dx, cy - hh + dy, cx + hw + dx, cy + hh + dy};
}

Corners clip(Corners c, double w, double h) {
  return {std::clamp(c.x1, 0.0, w), std::clamp(c.y1, 0.0, h), std::clamp(c.x2, 0.0, w), std::clamp(c.y2, 0.0, h)};
}

// The bounding box of the four warped corners.
Corners warp_box(const Matrix3& m, const Corners& c) {
  const std::array<double, 2> p[4] = {apply(m, c.x1, c.y1), apply(m, c.x2, c.y2), apply(m, c.x1, c.y2),
                                      apply(m, c.x2, c.y1)};
  Corners out{p[0][0], p[0][1], p[0][0], p[0][1]};
  for (const auto& q : p) {
    out.x1 = std::min(out.x1, q[0]), out.y1 = std::min(out.y1, q[1]);
    out.x2 = std::max(out.x2, q[0]), out.y2 = std::max(out.y2, q[1]);
  }
  return out;
}

// ultralytics' box_candidates(wh_thr=2, ar_thr=100, area_thr=0.1).
bool is_candidate(const Corners& before, const Corners& after) {
  constexpr double eps = 1e-16;
  const double w1 = before.x2 - before.x1, h1 = before.y2 - before.y1;
  const double w2 = after.x2 - after.x1, h2 = after.y2 - after.y1;
  const double aspect = std::max(w2 / (h2 + eps), h2 / (w2 + eps));
  return w2 > 2.0 && h2 > 2.0 && w2 * h2 / (w1 * h1 + eps) > 0.1 && aspect < 100.0;
}

}  // namespace

SamplePlan plan_training_sample(const AugmentOptions& options, std::int32_t imgsz, std::int64_t index,
                                std::span<const ImageExtent> extents, SampleRandom& random) {
  YOLO_CHECK(index >= 0 && index < static_cast<std::int64_t>(extents.size()), "augment: image {} of {}", index,
             extents.size());
  SamplePlan plan;
  plan.out_w = plan.out_h = imgsz;
  plan.filter_candidates = true;
  if (random.chance(options.mosaic)) {
    place_mosaic(plan, imgsz, index, extents, random);
  } else {
    plan.canvas_w = extents[index].width, plan.canvas_h = extents[index].height;
    place_single(plan, index, extents[index], 0, 0);
  }
  draw_warp(plan, options, random);
  draw_hsv(plan, options, random);
  plan.flip_ud = random.chance(options.flipud);
  plan.flip_lr = random.chance(options.fliplr);
  return plan;
}

SamplePlan plan_letterbox(std::int64_t index, ImageExtent extent, std::int32_t out_w, std::int32_t out_h) {
  YOLO_CHECK(extent.width <= out_w && extent.height <= out_h, "letterbox: a {}x{} image does not fit {}x{}",
             extent.width, extent.height, out_w, out_h);
  SamplePlan plan;
  plan.out_w = plan.canvas_w = out_w;
  plan.out_h = plan.canvas_h = out_h;
  // ultralytics pads round(d / 2 - 0.1) before: floor(d / 2) for integer d.
  const std::int32_t left = (out_w - extent.width) / 2, top = (out_h - extent.height) / 2;
  place_single(plan, index, extent, left, top);
  return plan;
}

std::array<float, 4> letterbox_to_original(const float* box, ImageExtent resized, ImageExtent original,
                                           std::int32_t out_w, std::int32_t out_h) {
  // The same padding as plan_letterbox.
  const float left = static_cast<float>((out_w - resized.width) / 2), top = static_cast<float>((out_h - resized.height) / 2);
  const float gx = static_cast<float>(resized.width) / static_cast<float>(original.width);
  const float gy = static_cast<float>(resized.height) / static_cast<float>(original.height);
  const float w = static_cast<float>(original.width), h = static_cast<float>(original.height);
  return {std::clamp((box[0] - left) / gx, 0.0f, w), std::clamp((box[1] - top) / gy, 0.0f, h),
          std::clamp((box[2] - left) / gx, 0.0f, w), std::clamp((box[3] - top) / gy, 0.0f, h)};
}

SampleGeometry sample_geometry(const SamplePlan& plan, std::span<const std::int32_t> slots) {
  YOLO_CHECK(plan.tiles.size() <= kMaxCanvasTiles && slots.size() == plan.tiles.size(),
             "augment: {} tiles, {} slots", plan.tiles.size(), slots.size());
  // Flips in output pixel indices: x -> (W - 1) - x, as numpy's fliplr.
  Matrix3 flip = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  if (plan.flip_lr) flip[0] = -1, flip[2] = plan.out_w - 1.0;
  if (plan.flip_ud) flip[4] = -1, flip[5] = plan.out_h - 1.0;
  // A singular warp squeezes the canvas to a point or a line: the image is
  // grey (every output pixel maps far outside the canvas), and
  // transform_labels keeps no box, as with ultralytics.
  const std::optional<Matrix3> warp_inverse = invert(plan.warp);
  const Matrix3 inverse = warp_inverse ? multiply(*warp_inverse, flip) : Matrix3{0, 0, -1e7, 0, 0, -1e7, 0, 0, 1};
  SampleGeometry g{};
  for (int i = 0; i < 9; ++i) g.inverse[i] = static_cast<float>(inverse[i]);
  for (std::size_t k = 0; k < plan.tiles.size(); ++k) {
    g.tiles[k] = plan.tiles[k];
    g.tiles[k].image = slots[k];
  }
  g.tile_count = static_cast<std::int32_t>(plan.tiles.size());
  g.hue_shift = plan.hue_shift, g.sat_gain = plan.sat_gain, g.val_gain = plan.val_gain;
  return g;
}

std::vector<PixelBox> transform_labels(const SamplePlan& plan, std::span<const std::span<const LabelBox>> tile_labels) {
  YOLO_CHECK(tile_labels.size() == plan.tiles.size(), "augment: labels for {} tiles, plan has {}", tile_labels.size(),
             plan.tiles.size());
  const double W = plan.out_w, H = plan.out_h;
  std::vector<PixelBox> out;
  for (std::size_t k = 0; k < plan.tiles.size(); ++k) {
    const CanvasTile& tile = plan.tiles[k];
    for (const LabelBox& box : tile_labels[k]) {
      Corners c = to_pixels(box, plan.tile_extents[k], tile.pad_x, tile.pad_y);
      if (plan.mosaic) {
        c = clip(c, plan.canvas_w, plan.canvas_h);
        if (c.x2 - c.x1 <= 0.0 || c.y2 - c.y1 <= 0.0) continue;  // wholly outside the canvas
      }
      const Corners warped = clip(warp_box(plan.warp, c), W, H);
      const double s = plan.warp_scale;
      if (plan.filter_candidates && !is_candidate({c.x1 * s, c.y1 * s, c.x2 * s, c.y2 * s}, warped)) continue;
      Corners f = warped;
      if (plan.flip_ud) f.y1 = H - warped.y2, f.y2 = H - warped.y1;
      if (plan.flip_lr) f.x1 = W - warped.x2, f.x2 = W - warped.x1;
      out.push_back(PixelBox{box.cls, static_cast<float>(f.x1), static_cast<float>(f.y1), static_cast<float>(f.x2),
                             static_cast<float>(f.y2)});
    }
  }
  return out;
}

}  // namespace yolo
