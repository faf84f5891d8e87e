#pragma once
// defines: the training-batch gather kernel (BuildBatchKernel), the plain
// data it reads (SourceImage, CanvasTile, SampleGeometry) and its pieces
// (sample_block_in_one_tile, sample_block_any_tiles, jitter_hsv).
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
#include <cstring>

#include "engine/core/hd.h"
#include "kernels/numeric.h"

namespace yolo {

// One decoded source image on the kernel's device: a 32-bit word per pixel,
// bytes B, G, R, unused (little-endian: B | G << 8 | R << 16), rows of
// `width` words. Whole words make every sample one aligned load (a vector
// gather on the CPU) instead of three byte loads.
struct SourceImage {
  const std::uint32_t* pixels;
  std::int32_t width, height;
};

YOLO_HD YOLO_ALWAYS_INLINE float channel_of(std::uint32_t bgrx, int c) {
  return static_cast<float>((bgrx >> (8 * c)) & 0xffu);
}

// Channel c between four neighbours: top = p00 + ax (p01 - p00), bottom
// likewise, result = top + ay (bottom - top).
YOLO_HD YOLO_ALWAYS_INLINE float bilinear(std::uint32_t p00, std::uint32_t p01, std::uint32_t p10, std::uint32_t p11,
                                          int c, float ax, float ay) {
  const float top = channel_of(p00, c) + ax * (channel_of(p01, c) - channel_of(p00, c));
  const float bottom = channel_of(p10, c) + ax * (channel_of(p11, c) - channel_of(p10, c));
  return top + ay * (bottom - top);
}

// A rectangle [x0, x1) x [y0, y1) of the canvas showing source image `image`:
// canvas pixel (cx, cy) is source pixel (cx - pad_x, cy - pad_y).
struct CanvasTile {
  std::int32_t image;
  std::int32_t x0, y0, x1, y1;
  std::int32_t pad_x, pad_y;
};

inline constexpr int kMaxCanvasTiles = 4;

// Tiles never overlap (the planners place them so; build_batch checks), so
// a canvas pixel belongs to at most one tile, and is grey outside them all.
struct SampleGeometry {
  // Output pixel (x, y, 1) -> canvas point (u, v, w) / w, flips included.
  float inverse[9];
  CanvasTile tiles[kMaxCanvasTiles];
  std::int32_t tile_count;
  // HSV jitter in OpenCV's 8-bit units: hue (0..180) += hue_shift (mod 180,
  // |hue_shift| < 180), saturation and value *= their gains and clip at 255.
  // Off: 0, 1, 1.
  float hue_shift, sat_gain, val_gain;
};

inline constexpr std::uint32_t kPadGreyWord = 114u | (114u << 8) | (114u << 16);

// Canvas points far outside (and NaN) move to -2, where every neighbour is
// grey; this also keeps the int conversions in range.
YOLO_HD YOLO_ALWAYS_INLINE float tame_coordinate(float p) { return p > -2.0f && p < 1.0e6f ? p : -2.0f; }

// Bilinear sampling of the canvas for L lanes (points px, py): x0 =
// floor(px), ax = px - x0 (likewise y), value = sum over the 2x2 neighbours
// of canvas(x0 + i, y0 + j) (i ? ax : 1 - ax) (j ? ay : 1 - ay).
//
// Fast case: every lane's 2x2 neighbourhood inside one tile (most of an
// image): one gather per neighbour from that tile's image. Returns false,
// computing nothing, otherwise. The candidate tile is the one holding lane
// 0's point; p >= x0 and p < x1 - 1 are floor(p) >= x0 and floor(p) + 1 < x1
// for integer bounds (false for NaN).
template <int L>
YOLO_HD bool sample_block_in_one_tile(const SourceImage* images, const SampleGeometry& g,
                                      const float* YOLO_RESTRICT px, const float* YOLO_RESTRICT py,
                                      float* YOLO_RESTRICT bv, float* YOLO_RESTRICT gv, float* YOLO_RESTRICT rv) {
  // Truncation, not floor, picks the candidate: any candidate is safe (the
  // bounds test decides), and a floorf of lane 0 here would be shared with
  // the loop's, which then no longer vectorises.
  const float x = tame_coordinate(px[0]), y = tame_coordinate(py[0]);
  int t = 0;
  while (t < g.tile_count && !(x >= g.tiles[t].x0 && x < g.tiles[t].x1 && y >= g.tiles[t].y0 && y < g.tiles[t].y1)) ++t;
  if (t == g.tile_count) return false;
  const CanvasTile& tile = g.tiles[t];
  const float lo_x = static_cast<float>(tile.x0), hi_x = static_cast<float>(tile.x1 - 1);
  const float lo_y = static_cast<float>(tile.y0), hi_y = static_cast<float>(tile.y1 - 1);
  int inside = 1;
  YOLO_LANE_REDUCE_AND(inside)
  for (int l = 0; l < L; ++l) inside &= (px[l] >= lo_x) & (px[l] < hi_x) & (py[l] >= lo_y) & (py[l] < hi_y);
  if (!inside) return false;
  const SourceImage& im = images[tile.image];
  const std::uint32_t* YOLO_RESTRICT pixels = im.pixels;
  const int w = im.width, pad_x = tile.pad_x, pad_y = tile.pad_y;
  YOLO_LANE_LOOP
  for (int l = 0; l < L; ++l) {
    const float fx = floorf(px[l]), fy = floorf(py[l]);
    const float ax = px[l] - fx, ay = py[l] - fy;
    const int i = (static_cast<int>(fy) - pad_y) * w + (static_cast<int>(fx) - pad_x);
    // Each row's two neighbours as one 64-bit load: half the gathered
    // elements of four 32-bit loads (the CPU's gathers cost per element).
    std::uint64_t top, bottom;
    memcpy(&top, pixels + i, sizeof top);
    memcpy(&bottom, pixels + i + w, sizeof bottom);
    const auto p00 = static_cast<std::uint32_t>(top), p01 = static_cast<std::uint32_t>(top >> 32);
    const auto p10 = static_cast<std::uint32_t>(bottom), p11 = static_cast<std::uint32_t>(bottom >> 32);
    // Channels written out: a loop over them here keeps g++ from vectorising over lanes.
    bv[l] = bilinear(p00, p01, p10, p11, 0, ax, ay);
    gv[l] = bilinear(p00, p01, p10, p11, 1, ax, ay);
    rv[l] = bilinear(p00, p01, p10, p11, 2, ax, ay);
  }
  return true;
}

// The neighbours (x0 + i, y0 + j) of L lanes that lie inside `tile` take its
// pixel; the others keep theirs. & not &&: short-circuit branches would keep
// g++ from vectorising; the index is computed only where inside (elsewhere
// it could overflow), and 0 (a valid load, discarded) otherwise. Its own
// function, not inlined on the CPU: inlined into the loop over tiles, g++
// hoists the index-0 load out of it and then cannot vectorise the gathers.
template <int L>
YOLO_HD YOLO_NOINLINE_HOST void gather_from_tile(const CanvasTile tile, const SourceImage image,
                                                 const int* YOLO_RESTRICT x0, const int* YOLO_RESTRICT y0,
                                                 std::uint32_t* YOLO_RESTRICT p00, std::uint32_t* YOLO_RESTRICT p01,
                                                 std::uint32_t* YOLO_RESTRICT p10, std::uint32_t* YOLO_RESTRICT p11) {
  const std::uint32_t* YOLO_RESTRICT pixels = image.pixels;
  const int w = image.width;
  YOLO_LANE_LOOP
  for (int l = 0; l < L; ++l) {
    const int xa = x0[l], xb = x0[l] + 1, ya = y0[l], yb = y0[l] + 1;
    const bool in_xa = (xa >= tile.x0) & (xa < tile.x1), in_xb = (xb >= tile.x0) & (xb < tile.x1);
    const bool in_ya = (ya >= tile.y0) & (ya < tile.y1), in_yb = (yb >= tile.y0) & (yb < tile.y1);
    const bool in00 = in_ya & in_xa, in01 = in_ya & in_xb, in10 = in_yb & in_xa, in11 = in_yb & in_xb;
    const std::uint32_t q00 = pixels[in00 ? (ya - tile.pad_y) * w + (xa - tile.pad_x) : 0];
    const std::uint32_t q01 = pixels[in01 ? (ya - tile.pad_y) * w + (xb - tile.pad_x) : 0];
    const std::uint32_t q10 = pixels[in10 ? (yb - tile.pad_y) * w + (xa - tile.pad_x) : 0];
    const std::uint32_t q11 = pixels[in11 ? (yb - tile.pad_y) * w + (xb - tile.pad_x) : 0];
    p00[l] = in00 ? q00 : p00[l];
    p01[l] = in01 ? q01 : p01[l];
    p10[l] = in10 ? q10 : p10[l];
    p11[l] = in11 ? q11 : p11[l];
  }
}

// Any case (tile edges, grey): every neighbour starts grey, then tile by
// tile, the neighbours inside that tile take its pixel (gather_from_tile).
template <int L>
YOLO_HD void sample_block_any_tiles(const SourceImage* images, const SampleGeometry& g, const float* YOLO_RESTRICT px,
                                    const float* YOLO_RESTRICT py, float* YOLO_RESTRICT bv, float* YOLO_RESTRICT gv,
                                    float* YOLO_RESTRICT rv) {
  std::uint32_t p00[L], p01[L], p10[L], p11[L];
  int x0[L], y0[L];
  float ax[L], ay[L];
  YOLO_LANE_LOOP
  for (int l = 0; l < L; ++l) {
    const float x = tame_coordinate(px[l]), y = tame_coordinate(py[l]);
    const float fx = floorf(x), fy = floorf(y);
    x0[l] = static_cast<int>(fx), y0[l] = static_cast<int>(fy);
    ax[l] = x - fx, ay[l] = y - fy;
    p00[l] = p01[l] = p10[l] = p11[l] = kPadGreyWord;
  }
  for (int t = 0; t < g.tile_count; ++t) {
    gather_from_tile<L>(g.tiles[t], images[g.tiles[t].image], x0, y0, p00, p01, p10, p11);
  }
  YOLO_LANE_LOOP
  for (int l = 0; l < L; ++l) {
    bv[l] = bilinear(p00[l], p01[l], p10[l], p11[l], 0, ax[l], ay[l]);
    gv[l] = bilinear(p00[l], p01[l], p10[l], p11[l], 1, ax[l], ay[l]);
    rv[l] = bilinear(p00[l], p01[l], p10[l], p11[l], 2, ax[l], ay[l]);
  }
}

// HSV jitter of one pixel in OpenCV's conventions on floats (h in [0, 180),
// s and v in [0, 255]), written with selects so that the CPU vectorises it:
//   v = max, d = v - min, s = 255 d / v,
//   h = 30 (g - b) / d, 60 + 30 (b - r) / d or 120 + 30 (r - g) / d by the
//       channel holding the max, + 180 when negative;
//   h' = (h + shift) mod 180, s' = clip(s gain_s, 0, 255), v' = clip(v gain_v, 0, 255);
//   back: sector i = floor(h' / 30), f its fraction, with s' in [0, 1]
//   p = v' (1 - s'), q = v' (1 - s' f), t = v' (1 - s' (1 - f)), and
//   (r, g, b) = (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q) for i = 0..5.
YOLO_HD YOLO_ALWAYS_INLINE void jitter_hsv(float hue_shift, float sat_gain, float val_gain, float& b, float& g,
                                           float& r) {
  // Ternaries, not fmaxf/fminf: their NaN rules keep g++ from vectorising.
  const float v = r > g ? (r > b ? r : b) : (g > b ? g : b);
  const float d = v - (r < g ? (r < b ? r : b) : (g < b ? g : b));
  // One division for both 1 / d and 1 / v: 1 / (d v) times v, resp. d.
  const float inv_dv = d > 0.0f ? 1.0f / (d * v) : 0.0f;
  const float inv_d = v * inv_dv;
  float h = v == r ? 30.0f * (g - b) * inv_d : (v == g ? 60.0f + 30.0f * (b - r) * inv_d : 120.0f + 30.0f * (r - g) * inv_d);
  h = h < 0.0f ? h + 180.0f : h;
  h += hue_shift;
  h = h >= 180.0f ? h - 180.0f : (h < 0.0f ? h + 180.0f : h);
  // Clipped to [0, 1] and [0, 255] as ultralytics' look-up tables are (a
  // gain range above 1 can draw a negative gain).
  const float s_scaled = d * d * inv_dv * sat_gain;  // d / v (0 when d = 0)
  const float s = s_scaled < 1.0f ? (s_scaled > 0.0f ? s_scaled : 0.0f) : 1.0f;
  const float v_scaled = v * val_gain;
  const float v2 = v_scaled < 255.0f ? (v_scaled > 0.0f ? v_scaled : 0.0f) : 255.0f;
  const float h6 = h * (1.0f / 30.0f);
  const float sector = floorf(h6);
  const float f = h6 - sector;
  const int i = static_cast<int>(sector);
  const float p = v2 * (1.0f - s), q = v2 * (1.0f - s * f), t = v2 * (1.0f - s * (1.0f - f));
  r = (i == 0 || i >= 5) ? v2 : (i == 1 ? q : (i == 4 ? t : p));
  g = i == 0 ? t : (i <= 2 ? v2 : (i == 3 ? q : p));
  // h (or h / 30) can round up to 180 (6) from just below; sector 6 at f = 0
  // must be sector 0 at f = 0, which the r and g selects already give and b
  // gets from `i == 5 ? q : p` (not a clamp of i: that stops g++ vectorising).
  b = i <= 1 ? p : (i == 2 ? t : (i <= 4 ? v2 : (i == 5 ? q : p)));
}

// out[b, y, x, :] (NHWC, RGB, / 255) for L consecutive output pixels of one
// row: each maps through `inverse` to a canvas point, sampled bilinearly
// (sample_block_in_one_tile, else sample_block_any_tiles),
// then HSV jitter and the stores run across the L pixels (vectorised on the CPU).
// Rows r = b * out_h + y, columns x (Exec::parallel_for_lanes).
template <class T>
struct BuildBatchKernel {
  const SourceImage* images;
  const SampleGeometry* samples;
  std::int32_t out_h, out_w;
  T* out;

  template <int L>
  YOLO_HD void operator()(std::int64_t r, std::int64_t x0) const {
    // One 32-bit division per call (rows fit: B * H < 2^31), not two 64-bit ones.
    const auto row = static_cast<std::int32_t>(r);
    const std::int32_t sample = row / out_h;
    const SampleGeometry& g = samples[sample];
    const float* m = g.inverse;
    const float y = static_cast<float>(row - sample * out_h);
    float px[L], py[L], bv[L], gv[L], rv[L];
    if (m[6] == 0.0f && m[7] == 0.0f && m[8] == 1.0f) {  // affine (the default): no division
      YOLO_LANE_LOOP
      for (int l = 0; l < L; ++l) {
        const float x = static_cast<float>(x0 + l);
        px[l] = m[0] * x + m[1] * y + m[2];
        py[l] = m[3] * x + m[4] * y + m[5];
      }
    } else {
      YOLO_LANE_LOOP
      for (int l = 0; l < L; ++l) {
        const float x = static_cast<float>(x0 + l);
        const float inv_w = 1.0f / (m[6] * x + m[7] * y + m[8]);
        px[l] = (m[0] * x + m[1] * y + m[2]) * inv_w;
        py[l] = (m[3] * x + m[4] * y + m[5]) * inv_w;
      }
    }
    if (!sample_block_in_one_tile<L>(images, g, px, py, bv, gv, rv)) {
      sample_block_any_tiles<L>(images, g, px, py, bv, gv, rv);
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
