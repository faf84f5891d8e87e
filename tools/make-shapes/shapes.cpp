// make-shapes drawing (see shapes.h). Defines the shape geometry, the
// background (gradient, texture, clutter, noise), the placement of labelled
// shapes with their tight boxes, and draw_scene, which puts them together.
#include "shapes.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

namespace make_shapes {
namespace {

using Contour = std::vector<cv::Point2d>;
using Outline = std::vector<Contour>;  // a shape's contours: a ring has two
using FixedOutline = std::vector<std::vector<cv::Point>>;

// Class ids, in kShapeNames order.
enum Shape { kCircle, kSquare, kTriangle, kStar, kHexagon, kCross, kDiamond, kRing };

constexpr double kPi = std::numbers::pi;
// Vertices go to OpenCV in fixed point with this many fractional bits, so
// anti-aliased edges sit at sub-pixel positions instead of snapping to pixels.
constexpr int kShift = 4;
constexpr double kFixedOne = 1 << kShift;

// ---- Shape geometry: each class at the origin, circumradius about 1 ----

Contour regular_polygon(int sides, double radius, double start_angle) {
  Contour contour;
  for (int k = 0; k < sides; ++k) {
    const double a = start_angle + 2 * kPi * k / sides;
    contour.emplace_back(radius * std::cos(a), radius * std::sin(a));
  }
  return contour;
}

// Circles are 64-gons: drawn and boxed from the same vertices, so the box is exact.
Contour circle(double radius) { return regular_polygon(64, radius, 0.0); }

Contour star(double inner_radius) {
  Contour contour;
  for (int k = 0; k < 10; ++k) {
    const double r = k % 2 == 0 ? 1.0 : inner_radius;
    const double a = -kPi / 2 + kPi * k / 5;
    contour.emplace_back(r * std::cos(a), r * std::sin(a));
  }
  return contour;
}

Contour cross(double w) {  // w: half the arm width
  return {{w, -1}, {w, -w}, {1, -w}, {1, w}, {w, w}, {w, 1}, {-w, 1}, {-w, w}, {-1, w}, {-1, -w}, {-w, -w}, {-w, -1}};
}

// Always clearly elongated (half-width 0.45-0.6, diagonals 1.7-2.2 : 1), so it is not a rotated square.
Contour diamond(double half_width) { return {{0, -1}, {half_width, 0}, {0, 1}, {-half_width, 0}}; }

Outline unit_shape(int cls, SceneRandom& rng) {
  switch (static_cast<Shape>(cls)) {
    case kCircle:
      return {circle(1.0)};
    case kSquare:
      return {regular_polygon(4, 1.0, kPi / 4)};
    case kTriangle:
      return {regular_polygon(3, 1.0, -kPi / 2)};
    case kStar:
      return {star(rng.uniform(0.38, 0.5))};
    case kHexagon:
      return {regular_polygon(6, 1.0, 0.0)};
    case kCross:
      return {cross(rng.uniform(0.2, 0.3))};
    case kDiamond:
      return {diamond(rng.uniform(0.45, 0.6))};
    case kRing:
      return {circle(1.0), circle(rng.uniform(0.5, 0.65))};
  }
  return {};
}

// How far a class may be stretched along one axis and stay recognisable
// (the aspect changes by its square): squares stay near-square (the diamond
// is the elongated one), round stays round.
double max_stretch(int cls) {
  if (cls == kCircle || cls == kRing) return 1.0;
  if (cls == kSquare) return 1.07;
  return cls == kTriangle ? 1.15 : 1.1;
}

// Stretches x by `stretch` (y by its inverse, keeping the area), then
// rotates by `angle` and scales by `radius`.
Outline transform(const Outline& unit, double stretch, double angle, double radius) {
  const double c = std::cos(angle), s = std::sin(angle);
  Outline out;
  for (const Contour& contour : unit) {
    Contour& moved = out.emplace_back();
    for (const cv::Point2d& p : contour) {
      const double x = p.x * stretch, y = p.y / stretch;
      moved.emplace_back(radius * (c * x - s * y), radius * (s * x + c * y));
    }
  }
  return out;
}

FixedOutline to_fixed(const Outline& outline, cv::Point2d centre) {
  FixedOutline fixed;
  for (const Contour& contour : outline) {
    auto& points = fixed.emplace_back();
    for (const cv::Point2d& p : contour)
      points.emplace_back(static_cast<int>(std::lround((p.x + centre.x) * kFixedOne)),
                          static_cast<int>(std::lround((p.y + centre.y) * kFixedOne)));
  }
  return fixed;
}

// ---- Placed shapes and their labels ----

struct PlacedShape {
  int cls = 0;
  FixedOutline contours;
  int thickness = cv::FILLED;  // OpenCV's convention: FILLED (-1) fills, else stroke width
  cv::Rect2d box;              // pixel-edge coordinates, not yet clipped
};

// How far OpenCV's anti-aliased drawing reaches past the vertices, measured
// as the ink beyond the outermost vertex over random polygons (sd ~0.1 px):
// fills and 1 px strokes spread ~0.65 px; thicker strokes come out about
// thickness + 2 px wide, with round joins.
double drawn_spread(int thickness) {
  if (thickness == cv::FILLED || thickness == 1) return 0.65;
  return thickness / 2.0 + 0.95;
}

// The tight box of what OpenCV draws: the vertices' extent widened by the
// drawn spread, shifted by half a pixel because OpenCV's integer
// coordinates are pixel centres.
cv::Rect2d drawn_box(const FixedOutline& contours, int thickness) {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (const auto& points : contours)
    for (const cv::Point& p : points) {
      x0 = std::min(x0, p.x / kFixedOne), x1 = std::max(x1, p.x / kFixedOne);
      y0 = std::min(y0, p.y / kFixedOne), y1 = std::max(y1, p.y / kFixedOne);
    }
  const double pad = drawn_spread(thickness);
  return {x0 - pad + 0.5, y0 - pad + 0.5, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad};
}

cv::Rect2d extent(const Outline& outline) {
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (const Contour& contour : outline)
    for (const cv::Point2d& p : contour)
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  return {x0, y0, x1 - x0, y1 - y0};
}

// Uniform over [lo, hi], or the middle of `fallback` when the range is empty.
double uniform_or(double lo, double hi, double fallback, SceneRandom& rng) {
  return lo <= hi ? rng.uniform(lo, hi) : fallback / 2;
}

// A centre that keeps the shape (extent `e` around the origin) inside the
// image but for up to 10% of its size, so some labels get clipped at the border.
cv::Point2d random_centre(const cv::Rect2d& e, cv::Size image, SceneRandom& rng) {
  const double mx = 0.1 * e.width, my = 0.1 * e.height;
  return {uniform_or(-e.x - mx, image.width - e.br().x + mx, image.width, rng),
          uniform_or(-e.y - my, image.height - e.br().y + my, image.height, rng)};
}

// Outline thickness 1 px up to 8% of the radius (at most 5; OpenCV draws
// them ~2 px wider): thin enough that an outlined circle never looks like a ring.
int random_thickness(double radius, SceneRandom& rng) {
  if (rng.chance(0.5)) return cv::FILLED;
  const int widest = std::clamp(static_cast<int>(std::lround(0.08 * radius)), 1, 5);
  return rng.uniform_int(1, widest);
}

// Class `cls` at a random size (8-45% of imgsz across, capped to fit the
// image), stretch, rotation, stroke and position.
PlacedShape random_shape(int cls, cv::Size image, int imgsz, SceneRandom& rng) {
  const double fits = 0.95 * std::min(image.width, image.height);
  const double radius = 0.5 * std::min(rng.uniform(0.08, 0.45) * imgsz, fits);
  const double stretch = std::pow(max_stretch(cls), rng.uniform(-1.0, 1.0));
  const Outline unit = unit_shape(cls, rng);
  const Outline outline = transform(unit, stretch, rng.uniform(0, 2 * kPi), radius);
  PlacedShape shape;
  shape.cls = cls;
  shape.thickness = random_thickness(radius, rng);
  shape.contours = to_fixed(outline, random_centre(extent(outline), image, rng));
  shape.box = drawn_box(shape.contours, shape.thickness);
  return shape;
}

LabelBox clipped_label(const PlacedShape& shape, cv::Size image) {
  const cv::Rect2d b = shape.box & cv::Rect2d(0, 0, image.width, image.height);
  return {shape.cls, b.x, b.y, b.br().x, b.br().y};
}

double area(const LabelBox& b) { return std::max(0.0, b.x1 - b.x0) * std::max(0.0, b.y1 - b.y0); }

// Too close to a placed box: IoU above 0.4.
bool crowds(const LabelBox& box, const std::vector<LabelBox>& placed) {
  for (const LabelBox& other : placed) {
    const LabelBox overlap{0, std::max(box.x0, other.x0), std::max(box.y0, other.y0), std::min(box.x1, other.x1),
                           std::min(box.y1, other.y1)};
    const double inter = area(overlap);
    if (inter > 0.4 * (area(box) + area(other) - inter)) return true;
  }
  return false;
}

// The pixels a shape covers (255), drawn without anti-aliasing. CV_8U.
cv::Mat shape_mask(const PlacedShape& shape, cv::Size image) {
  cv::Mat mask = cv::Mat::zeros(image, CV_8U);
  if (shape.thickness == cv::FILLED)
    cv::fillPoly(mask, shape.contours, 255, cv::LINE_8, kShift);
  else
    cv::polylines(mask, shape.contours, true, 255, shape.thickness, cv::LINE_8, kShift);
  return mask;
}

// Which placed shape shows at each pixel, so a new shape is refused when it
// would hide most of an earlier one: box IoU alone misses a big shape drawn
// over a small one, and would wrongly refuse a small shape inside an outline.
class Occupancy {
 public:
  explicit Occupancy(cv::Size image) : owner_(cv::Mat::zeros(image, CV_8U)) {}

  // True when drawing `mask` would leave a placed shape with under half of its pixels showing.
  bool hides_another(const cv::Mat& mask) const {
    std::vector<int> covered(drawn_.size(), 0);
    for (int y = 0; y < mask.rows; ++y) {
      const std::uint8_t *m = mask.ptr<std::uint8_t>(y), *owner = owner_.ptr<std::uint8_t>(y);
      for (int x = 0; x < mask.cols; ++x)
        if (m[x] && owner[x]) ++covered[owner[x] - 1];
    }
    for (std::size_t k = 0; k < drawn_.size(); ++k)
      if (2 * (showing_[k] - covered[k]) < drawn_[k]) return true;
    return false;
  }

  // Records a shape drawn on top of everything placed so far.
  void claim(const cv::Mat& mask) {
    drawn_.push_back(cv::countNonZero(mask));
    showing_.push_back(drawn_.back());
    const auto id = static_cast<std::uint8_t>(drawn_.size());  // --max-objects <= 100 fits
    for (int y = 0; y < mask.rows; ++y) {
      const std::uint8_t* m = mask.ptr<std::uint8_t>(y);
      std::uint8_t* owner = owner_.ptr<std::uint8_t>(y);
      for (int x = 0; x < mask.cols; ++x) {
        if (!m[x]) continue;
        if (owner[x]) --showing_[owner[x] - 1];
        owner[x] = id;
      }
    }
  }

 private:
  cv::Mat owner_;                     // CV_8U: 0 background, k the k-th placed shape
  std::vector<int> drawn_, showing_;  // pixels per shape when drawn, and still on top
};

cv::Scalar random_colour(SceneRandom& rng) { return {rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)}; }

// Colour is random and independent of the class, but must stand out from
// what lies under the shape's pixels: the most distant (L1 over BGR) of a few draws.
cv::Scalar contrasting_colour(const cv::Mat& image, const cv::Mat& mask, SceneRandom& rng) {
  const cv::Scalar under = cv::mean(image, mask);
  cv::Scalar best;
  double best_distance = -1;
  for (int attempt = 0; attempt < 12 && best_distance < 200; ++attempt) {
    const cv::Scalar colour = random_colour(rng);
    const double distance = cv::norm(colour - under, cv::NORM_L1);
    if (distance > best_distance) best = colour, best_distance = distance;
  }
  return best;
}

void draw_shape(cv::Mat& image, const PlacedShape& shape, const cv::Scalar& colour) {
  if (shape.thickness == cv::FILLED)
    cv::fillPoly(image, shape.contours, colour, cv::LINE_AA, kShift);
  else
    cv::polylines(image, shape.contours, true, colour, shape.thickness, cv::LINE_AA, kShift);
}

// Places one shape of class `cls`, retrying a crowded placement a few times;
// gives up (one object fewer) rather than overlap too much.
void place_object(int cls, const SceneOptions& options, Scene& scene, Occupancy& occupancy, SceneRandom& rng) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const PlacedShape shape = random_shape(cls, scene.image.size(), options.imgsz, rng);
    const LabelBox label = clipped_label(shape, scene.image.size());
    if (label.x1 - label.x0 < 2 || label.y1 - label.y0 < 2 || crowds(label, scene.boxes)) continue;
    const cv::Mat mask = shape_mask(shape, scene.image.size());
    if (occupancy.hides_another(mask)) continue;
    draw_shape(scene.image, shape, contrasting_colour(scene.image, mask, rng));
    occupancy.claim(mask);
    scene.boxes.push_back(label);
    return;
  }
}

// About 3% of images are pure background (no labels).
void draw_objects(const SceneOptions& options, Scene& scene, SceneRandom& rng) {
  const int count = rng.chance(0.03) ? 0 : rng.uniform_int(1, options.max_objects);
  Occupancy occupancy(scene.image.size());
  for (int i = 0; i < count; ++i) place_object(rng.uniform_int(0, options.classes - 1), options, scene, occupancy, rng);
}

// ---- Background ----

// One side imgsz, the other 0.6-1.0 of it (a fifth of the images square),
// so letterboxing and rectangular batches get exercised.
cv::Size image_size(int imgsz, SceneRandom& rng) {
  if (rng.chance(0.2)) return {imgsz, imgsz};
  const int shorter = std::max(1, static_cast<int>(std::lround(imgsz * rng.uniform(0.6, 1.0))));
  return rng.chance(0.5) ? cv::Size(imgsz, shorter) : cv::Size(shorter, imgsz);
}

// A linear gradient between two random colours, sampled on a coarse grid
// with per-cell jitter and upsampled bicubically: soft blotches of colour. CV_32FC3.
cv::Mat gradient_field(cv::Size size, SceneRandom& rng) {
  const int cells = rng.uniform_int(2, 6);
  const cv::Scalar from = random_colour(rng), to = random_colour(rng);
  const double angle = rng.uniform(0, 2 * kPi), jitter = rng.uniform(5, 40);
  cv::Mat grid(cells, cells, CV_32FC3);
  for (int y = 0; y < cells; ++y)
    for (int x = 0; x < cells; ++x) {
      const double u = x / (cells - 1.0) - 0.5, v = y / (cells - 1.0) - 0.5;
      const double t = 0.5 + (u * std::cos(angle) + v * std::sin(angle)) / std::numbers::sqrt2;
      for (int c = 0; c < 3; ++c)
        grid.at<cv::Vec3f>(y, x)[c] =
            static_cast<float>(from[c] + t * (to[c] - from[c]) + rng.uniform(-jitter, jitter));
    }
  cv::Mat field;
  cv::resize(grid, field, size, 0, 0, cv::INTER_CUBIC);
  return field;
}

// Fine grey-level texture: random brightness per 6-24 px cell, upsampled bilinearly. CV_32FC3.
cv::Mat texture_field(cv::Size size, SceneRandom& rng) {
  const double cell = rng.uniform(6, 24), amplitude = rng.uniform(0, 25);
  const cv::Size cells(static_cast<int>(std::ceil(size.width / cell)), static_cast<int>(std::ceil(size.height / cell)));
  cv::Mat grid(cells, CV_32FC3);
  for (int y = 0; y < cells.height; ++y)
    for (int x = 0; x < cells.width; ++x)
      grid.at<cv::Vec3f>(y, x) = cv::Vec3f::all(static_cast<float>(rng.uniform(-amplitude, amplitude)));
  cv::Mat field;
  cv::resize(grid, field, size, 0, 0, cv::INTER_LINEAR);
  return field;
}

cv::Point random_point(cv::Size image, double overhang, SceneRandom& rng) {
  return {static_cast<int>(rng.uniform(-overhang, 1 + overhang) * image.width),
          static_cast<int>(rng.uniform(-overhang, 1 + overhang) * image.height)};
}

void draw_lines(cv::Mat& image, int fewest, int most, SceneRandom& rng) {
  const int count = rng.uniform_int(fewest, most);
  for (int i = 0; i < count; ++i) {
    const cv::Point a = random_point(image.size(), 0.1, rng), b = random_point(image.size(), 0.1, rng);
    const cv::Scalar colour = random_colour(rng);
    cv::line(image, a, b, colour, rng.uniform_int(1, 3), cv::LINE_AA);
  }
}

// Open random-walk curves: clutter with edges and corners that is no class.
void draw_squiggles(cv::Mat& image, SceneRandom& rng) {
  const int count = rng.uniform_int(0, 4), side = std::max(image.cols, image.rows);
  for (int i = 0; i < count; ++i) {
    std::vector<cv::Point> walk{random_point(image.size(), 0.0, rng)};
    double heading = rng.uniform(0, 2 * kPi);
    for (int step = rng.uniform_int(4, 12); step > 0; --step) {
      heading += rng.uniform(-0.8, 0.8);
      const double length = rng.uniform(0.03, 0.08) * side;
      walk.push_back(walk.back() + cv::Point(static_cast<int>(length * std::cos(heading)),
                                             static_cast<int>(length * std::sin(heading))));
    }
    const cv::Scalar colour = random_colour(rng);
    cv::polylines(image, walk, false, colour, rng.uniform_int(1, 3), cv::LINE_AA);
  }
}

// A smooth, lumpy closed curve: the radius is 1 plus three low-frequency
// waves of random phase, so it has no corners that could pass for a polygon class.
Contour lumpy_blob(SceneRandom& rng) {
  std::array<double, 3> phase{};
  for (double& p : phase) p = rng.uniform(0, 2 * kPi);
  Contour blob;
  for (int k = 0; k < 48; ++k) {
    const double a = 2 * kPi * k / 48;
    const double r =
        1 + 0.2 * std::sin(2 * a + phase[0]) + 0.12 * std::sin(3 * a + phase[1]) + 0.08 * std::sin(5 * a + phase[2]);
    blob.emplace_back(r * std::cos(a), r * std::sin(a));
  }
  return blob;
}

// Elongated, half-transparent lumpy blobs of colour.
void draw_blobs(cv::Mat& image, SceneRandom& rng) {
  const int count = rng.uniform_int(0, 3);
  if (count == 0) return;
  cv::Mat overlay = image.clone();
  const double side = std::min(image.cols, image.rows);
  for (int i = 0; i < count; ++i) {
    const Contour blob = lumpy_blob(rng);
    const double stretch = rng.uniform(1.3, 1.8), angle = rng.uniform(0, 2 * kPi);
    const Outline shaped = transform({blob}, stretch, angle, rng.uniform(0.05, 0.2) * side);
    const cv::Point2d centre{rng.uniform(0, image.cols), rng.uniform(0, image.rows)};
    cv::fillPoly(overlay, to_fixed(shaped, centre), random_colour(rng), cv::LINE_AA, kShift);
  }
  const double alpha = rng.uniform(0.25, 0.6);
  cv::addWeighted(overlay, alpha, image, 1 - alpha, 0, image);
}

cv::Mat draw_background(cv::Size size, SceneRandom& rng) {
  const cv::Mat gradient = gradient_field(size, rng);  // two statements: operand order is unspecified
  cv::Mat image;
  cv::Mat(gradient + texture_field(size, rng)).convertTo(image, CV_8UC3);
  draw_blobs(image, rng);
  draw_lines(image, 1, 8, rng);
  draw_squiggles(image, rng);
  return image;
}

// One centred noise sample from 32 random bits, unit standard deviation:
// Irwin-Hall (the sum of four bytes) approximates a gaussian; one byte is uniform.
double noise_sample(std::uint32_t bits, bool gaussian) {
  if (!gaussian) return ((bits & 0xFF) - 127.5) / 73.9;
  const int sum = static_cast<int>((bits & 0xFF) + (bits >> 8 & 0xFF) + (bits >> 16 & 0xFF) + (bits >> 24));
  return (sum - 510) / 147.8;
}

// Per-pixel sensor noise over the whole image (shapes included), 2-14 levels
// standard deviation, gaussian-like or uniform.
void add_noise(cv::Mat& image, SceneRandom& rng) {
  const bool gaussian = rng.chance(0.7);
  const double sigma = rng.uniform(2, 14);
  CV_Assert(image.isContinuous());
  std::uint8_t* pixel = image.ptr<std::uint8_t>();
  const std::size_t count = image.total() * image.channels();
  for (std::size_t i = 0; i < count; i += 2) {
    const std::uint64_t bits = rng.bits();
    pixel[i] =
        cv::saturate_cast<std::uint8_t>(pixel[i] + sigma * noise_sample(static_cast<std::uint32_t>(bits), gaussian));
    if (i + 1 < count)
      pixel[i + 1] = cv::saturate_cast<std::uint8_t>(
          pixel[i + 1] + sigma * noise_sample(static_cast<std::uint32_t>(bits >> 32), gaussian));
  }
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t image_seed(std::uint64_t seed, std::uint64_t index) { return splitmix64(splitmix64(seed) ^ index); }

// Background and clutter first, then the shapes, a few occluding lines over
// them, an occasional slight blur, and noise over everything.
Scene draw_scene(const SceneOptions& options, std::uint64_t seed) {
  SceneRandom rng(seed);
  Scene scene;
  scene.image = draw_background(image_size(options.imgsz, rng), rng);
  draw_objects(options, scene, rng);
  if (rng.chance(0.3)) draw_lines(scene.image, 1, 2, rng);
  if (rng.chance(0.25)) cv::GaussianBlur(scene.image, scene.image, {3, 3}, 0);
  add_noise(scene.image, rng);
  return scene;
}

}  // namespace make_shapes
