#pragma once
// defines: the training-batch gather kernel (BuildBatchKernel), the plain
// data it reads (SourceImage, CanvasTile, SampleGeometry) and its pieces
// (canvas_pixel, sample_canvas, jitter_hsv).
//
// A training image is the composition, right to left, of
//   flip  o  warp(M)  o  canvas
// where `canvas` places up to four source images (mosaic tiles, or one image)
// on a grey (114) plane, and M is the random perspective/affine matrix. The
// kernel inverts it per output pixel: the output pixel maps back through the
// flips and M^-1 to a canvas point, whose four bilinear neighbours each come
// from the tile covering them (or are grey). HSV jitter follows in the same
// pass, and the result is written as RGB in [0, 1]. The host draws the
// parameters (engine/data/augment.h); this file is only the arithmetic.
#include <cmath>
#include <cstdint>

#include "engine/core/hd.h"
#include "kernels/numeric.h"

namespace yolo {

// One decoded source image: BGR bytes, rows of width * 3 (on the kernel's device).
struct SourceImage {
  const std::uint8_t* pixels;
  std::int32_t width, height;
};

// A rectangle [x0, x1) x [y0, y1) of the canvas showing source image `image`:
// canvas pixel (cx, cy) is source pixel (cx - pad_x, cy - pad_y).
struct CanvasTile {
  std::int32_t image;
  std::int32_t x0, y0, x1, y1;
  std::int32_t pad_x, pad_y;
};

inline constexpr int kMaxCanvasTiles = 4;
inline constexpr float kPadGrey = 114.0f;

// The canvas is cut into quadrants at (split_x, split_y); tile q (if any)
// lies in quadrant q = (cx >= split_x) + 2 (cy >= split_y): the mosaic's
// top-left, top-right, bottom-left, bottom-right. One tile: split at the
// canvas' far corner, so every pixel is in quadrant 0. A pixel outside its
// quadrant's tile is grey. The lookup is O(1), not a search over tiles.
struct SampleGeometry {
  // Output pixel (x, y, 1) -> canvas point (u, v, w) / w, flips included.
  float inverse[9];
  CanvasTile tiles[kMaxCanvasTiles];
  std::int32_t tile_count;
  std::int32_t split_x, split_y;
  // HSV jitter in OpenCV's 8-bit units: hue (0..180) += hue_shift (mod 180,
  // |hue_shift| < 180), saturation and value *= their gains and clip at 255.
  // Off: 0, 1, 1.
  float hue_shift, sat_gain, val_gain;
};

YOLO_HD int quadrant_of(const SampleGeometry& g, int cx, int cy) {
  return (cx >= g.split_x ? 1 : 0) + (cy >= g.split_y ? 2 : 0);
}

// The value of canvas pixel (cx, cy), channel order BGR, as floats 0..255.
YOLO_HD void canvas_pixel(const SourceImage* images, const SampleGeometry& g, int cx, int cy, float bgr[3]) {
  const int q = quadrant_of(g, cx, cy);
  if (q < g.tile_count) {
    const CanvasTile& tile = g.tiles[q];
    if (cx >= tile.x0 && cx < tile.x1 && cy >= tile.y0 && cy < tile.y1) {
      const SourceImage& im = images[tile.image];
      const std::uint8_t* p =
          im.pixels + (static_cast<std::int64_t>(cy - tile.pad_y) * im.width + (cx - tile.pad_x)) * 3;
      bgr[0] = p[0];
      bgr[1] = p[1];
      bgr[2] = p[2];
      return;
    }
  }
  bgr[0] = bgr[1] = bgr[2] = kPadGrey;
}

// Bilinear sample of the canvas at (px, py): x0 = floor(px), ax = px - x0
// (likewise y), value = sum over the 2x2 neighbours of
// canvas(x0 + i, y0 + j) (i ? ax : 1 - ax) (j ? ay : 1 - ay).
YOLO_HD void sample_canvas(const SourceImage* images, const SampleGeometry& g, float px, float py, float bgr[3]) {
  bgr[0] = bgr[1] = bgr[2] = kPadGrey;
  // Far outside the canvas (and NaN) stays grey; the bound also keeps the
  // int conversions in range.
  if (!(px > -2.0f && py > -2.0f && px < 1.0e6f && py < 1.0e6f)) return;
  const float flx = floorf(px), fly = floorf(py);
  const int x0 = static_cast<int>(flx), y0 = static_cast<int>(fly);
  const float ax = px - flx, ay = py - fly;
  const int q = quadrant_of(g, x0, y0);
  const CanvasTile& tile = g.tiles[q < g.tile_count ? q : 0];
  if (q < g.tile_count && x0 >= tile.x0 && x0 + 1 < tile.x1 && y0 >= tile.y0 && y0 + 1 < tile.y1) {
    // All four neighbours in one tile (the common case): two adjacent pixels on two rows.
    const SourceImage& im = images[tile.image];
    const std::uint8_t* top = im.pixels + (static_cast<std::int64_t>(y0 - tile.pad_y) * im.width + (x0 - tile.pad_x)) * 3;
    const std::uint8_t* bottom = top + static_cast<std::int64_t>(im.width) * 3;
    for (int c = 0; c < 3; ++c) {
      const float t = top[c] + ax * (static_cast<float>(top[c + 3]) - top[c]);
      const float b = bottom[c] + ax * (static_cast<float>(bottom[c + 3]) - bottom[c]);
      bgr[c] = t + ay * (b - t);
    }
    return;
  }
  float p00[3], p01[3], p10[3], p11[3];
  canvas_pixel(images, g, x0, y0, p00);
  canvas_pixel(images, g, x0 + 1, y0, p01);
  canvas_pixel(images, g, x0, y0 + 1, p10);
  canvas_pixel(images, g, x0 + 1, y0 + 1, p11);
  for (int c = 0; c < 3; ++c) {
    const float t = p00[c] + ax * (p01[c] - p00[c]);
    const float b = p10[c] + ax * (p11[c] - p10[c]);
    bgr[c] = t + ay * (b - t);
  }
}

// HSV jitter of one pixel in OpenCV's conventions on floats (h in [0, 180),
// s and v in [0, 255]), written with selects so that the CPU vectorises it:
//   v = max, d = v - min, s = 255 d / v,
//   h = 30 (g - b) / d, 60 + 30 (b - r) / d or 120 + 30 (r - g) / d by the
//       channel holding the max, + 180 when negative;
//   h' = (h + shift) mod 180, s' = min(s gain_s, 255), v' = min(v gain_v, 255);
//   back: sector i = floor(h' / 30), f its fraction, with s' in [0, 1]
//   p = v' (1 - s'), q = v' (1 - s' f), t = v' (1 - s' (1 - f)), and
//   (r, g, b) = (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q) for i = 0..5.
YOLO_HD YOLO_ALWAYS_INLINE void jitter_hsv(float hue_shift, float sat_gain, float val_gain, float& b, float& g,
                                           float& r) {
  // Ternaries, not fmaxf/fminf: their NaN rules keep g++ from vectorising.
  const float v = r > g ? (r > b ? r : b) : (g > b ? g : b);
  const float d = v - (r < g ? (r < b ? r : b) : (g < b ? g : b));
  const float inv_d = d > 0.0f ? 1.0f / d : 0.0f;
  float h = v == r ? 30.0f * (g - b) * inv_d : (v == g ? 60.0f + 30.0f * (b - r) * inv_d : 120.0f + 30.0f * (r - g) * inv_d);
  h = h < 0.0f ? h + 180.0f : h;
  h += hue_shift;
  h = h >= 180.0f ? h - 180.0f : (h < 0.0f ? h + 180.0f : h);
  const float s_scaled = (v > 0.0f ? d / v : 0.0f) * sat_gain;
  const float s = s_scaled < 1.0f ? s_scaled : 1.0f;
  const float v_scaled = v * val_gain;
  const float v2 = v_scaled < 255.0f ? v_scaled : 255.0f;
  const float h6 = h * (1.0f / 30.0f);
  const float sector = floorf(h6);
  const float f = h6 - sector;
  const int i = static_cast<int>(sector);
  const float p = v2 * (1.0f - s), q = v2 * (1.0f - s * f), t = v2 * (1.0f - s * (1.0f - f));
  r = (i == 0 || i >= 5) ? v2 : (i == 1 ? q : (i == 4 ? t : p));
  g = i == 0 ? t : (i <= 2 ? v2 : (i == 3 ? q : p));
  b = i <= 1 ? p : (i == 2 ? t : (i <= 4 ? v2 : q));
}

// out[b, y, x, :] (NHWC, RGB, / 255) for L consecutive output pixels of one
// row: each maps through `inverse` to a canvas point, sampled bilinearly
// (sample_canvas, scalar: its loads are data-dependent), then HSV jitter and
// the stores run across the L pixels (vectorised on the CPU).
// Rows r = b * out_h + y, columns x (Exec::parallel_for_lanes).
template <class T>
struct BuildBatchKernel {
  const SourceImage* images;
  const SampleGeometry* samples;
  std::int32_t out_h, out_w;
  T* out;

  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t x0) const {
    const SampleGeometry& g = samples[r / out_h];
    const float* m = g.inverse;
    const float y = static_cast<float>(r % out_h);
    float bv[L], gv[L], rv[L];
    for (int l = 0; l < L; ++l) {
      const float x = static_cast<float>(x0 + l);
      const float w = m[6] * x + m[7] * y + m[8];
      float bgr[3];
      sample_canvas(images, g, (m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w, bgr);
      bv[l] = bgr[0], gv[l] = bgr[1], rv[l] = bgr[2];
    }
    if (g.hue_shift != 0.0f || g.sat_gain != 1.0f || g.val_gain != 1.0f) {
      YOLO_LANE_LOOP
      for (int l = 0; l < L; ++l) jitter_hsv(g.hue_shift, g.sat_gain, g.val_gain, bv[l], gv[l], rv[l]);
    }
    T* o = out + (r * out_w + x0) * 3;
    constexpr float kInv255 = 1.0f / 255.0f;
    YOLO_LANE_LOOP
    for (int l = 0; l < L; ++l) {
      o[3 * l] = convert<T>(rv[l] * kInv255);
      o[3 * l + 1] = convert<T>(gv[l] * kInv255);
      o[3 * l + 2] = convert<T>(bv[l] * kInv255);
    }
  }
};

}  // namespace yolo
