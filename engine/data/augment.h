#pragma once
// defines: AugmentOptions (ultralytics' augmentation hyper-parameters),
// SamplePlan (everything random about one training image), the planners
// (plan_training_sample, plan_letterbox), the kernel's view of a plan
// (sample_geometry) and the label transform (transform_labels).
//
// The host draws the parameters and moves the labels; the pixels are moved
// by the gather kernel (kernels/augment.h) from the same plan. The geometry
// follows ultralytics 8.4: Mosaic (4 tiles on a 2s x 2s canvas, centre in
// [s/2, 3s/2)), RandomPerspective (M = T S R P C, output s x s), RandomHSV,
// then vertical and horizontal flips.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/data/label_box.h"
#include "engine/data/sample_random.h"
#include "kernels/augment.h"

namespace yolo {

// Names and defaults as ultralytics' default.yaml (hyp keys).
struct AugmentOptions {
  double hsv_h = 0.015;      // hue shift, fraction of the hue circle
  double hsv_s = 0.7;        // saturation gain range
  double hsv_v = 0.4;        // value gain range
  double degrees = 0.0;      // rotation (+/- deg)
  double translate = 0.1;    // translation (+/- fraction)
  double scale = 0.5;        // scale gain (+/-)
  double shear = 0.0;        // shear (+/- deg)
  double perspective = 0.0;  // perspective (+/- fraction), 0 - 0.001
  double flipud = 0.0;       // probability
  double fliplr = 0.5;       // probability
  double mosaic = 1.0;       // probability
};

// The size of a cached (resized) source image.
struct ImageExtent {
  std::int32_t width = 0, height = 0;
};

struct SamplePlan {
  std::int32_t out_w = 0, out_h = 0;
  std::int32_t canvas_w = 0, canvas_h = 0;
  bool mosaic = false;
  bool filter_candidates = false;  // training: drop boxes the warp made degenerate
  // tiles[i].image is a dataset index here (sample_geometry remaps it).
  std::vector<CanvasTile> tiles;
  std::vector<ImageExtent> tile_extents;  // the size of each tile's source image
  std::array<double, 9> warp{1, 0, 0, 0, 1, 0, 0, 0, 1};  // canvas -> output, before the flips
  double warp_scale = 1.0;  // the scale drawn for `warp` (candidate filter)
  bool flip_lr = false, flip_ud = false;
  float hue_shift = 0.0f, sat_gain = 1.0f, val_gain = 1.0f;
};

// One augmented training sample of dataset image `index` at imgsz x imgsz,
// mosaic partners drawn uniformly from the dataset.
SamplePlan plan_training_sample(const AugmentOptions& options, std::int32_t imgsz, std::int64_t index,
                                std::span<const ImageExtent> extents, SampleRandom& random);

// Validation: the image centred on an out_w x out_h grey canvas (ultralytics'
// LetterBox without up-scaling, of an image already resized to fit).
SamplePlan plan_letterbox(std::int64_t index, ImageExtent extent, std::int32_t out_w, std::int32_t out_h);

// The inverse of plan_letterbox for a box (x1, y1, x2, y2) in the output's
// pixels: minus the padding, divided by resized / original per axis,
// clipped to the original image (ultralytics' scale_boxes). `resized` is
// the cached image's size, `original` the file's.
std::array<float, 4> letterbox_to_original(const float* box, ImageExtent resized, ImageExtent original,
                                           std::int32_t out_w, std::int32_t out_h);

// The kernel's plan: the inverse of flip o warp, and tiles whose `image` is
// slot[k] for the plan's k-th tile (the slot of that image in the batch).
SampleGeometry sample_geometry(const SamplePlan& plan, std::span<const std::int32_t> slots);

// The labels of the plan's tiles (tile_labels[k] for tiles[k], normalised to
// that image), moved as the pixels are: denormalise, offset into the canvas
// (mosaic: clip to it, drop empty boxes), warp the four corners, take their
// bounding box, clip to the output, keep ultralytics' candidates (w, h > 2
// px, area > 10% of the warped-scaled original, aspect < 100), flip.
std::vector<PixelBox> transform_labels(const SamplePlan& plan, std::span<const std::span<const LabelBox>> tile_labels);

}  // namespace yolo
