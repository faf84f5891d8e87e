// make-shapes drawing. Defines: kShapeNames (the classes, in label order),
// SceneRandom (a seeded random source that draws the same numbers with every
// standard library), image_seed, LabelBox, Scene, and draw_scene, which paints
// one image: a noisy, textured, cluttered background with labelled shapes on it.
#pragma once

#include <array>
#include <cstdint>
#include <opencv2/core.hpp>
#include <random>
#include <string_view>
#include <vector>

namespace make_shapes {

// Class id = index. A dataset with K classes uses the first K.
inline constexpr std::array<std::string_view, 8> kShapeNames = {"circle",  "square", "triangle", "star",
                                                                "hexagon", "cross",  "diamond",  "ring"};

// std::mt19937_64's output is fixed by the standard, but the
// std::uniform_*_distribution adaptors are implementation-defined, so the
// raw bits are mapped here instead: one seed, one dataset, on any platform.
class SceneRandom {
 public:
  explicit SceneRandom(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t bits() { return engine_(); }
  // [0, 1) from the top 53 bits: every double in it equally spaced.
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // [lo, hi], both ends included.
  int uniform_int(int lo, int hi) {
    const int pick = lo + static_cast<int>(unit() * (static_cast<double>(hi) - lo + 1.0));
    return pick > hi ? hi : pick;
  }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

// The seed of image `index`: each image draws from its own stream, so
// changing --images never changes the images that were already there.
std::uint64_t image_seed(std::uint64_t seed, std::uint64_t index);

struct SceneOptions {
  int imgsz = 256;  // the longer image side; the other is 0.6-1.0 of it
  int classes = 6;
  int max_objects = 6;
};

// A label in pixel-edge coordinates (pixel i spans [i, i+1]), clipped to the image.
struct LabelBox {
  int cls = 0;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct Scene {
  cv::Mat image;  // CV_8UC3, BGR
  std::vector<LabelBox> boxes;
};

Scene draw_scene(const SceneOptions& options, std::uint64_t seed);

}  // namespace make_shapes
