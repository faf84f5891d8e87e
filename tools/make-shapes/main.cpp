// make-shapes: writes a synthetic detection dataset (shapes of random colour
// on noisy, cluttered backgrounds) in the ultralytics layout: images/{train,val},
// labels/{train,val} with `cls xc yc w h` rows, and data.yaml. The same
// arguments always give the same bytes. Defines the command line, the
// train/val split and the file writing; the drawing is in shapes.cpp.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "shapes.h"

namespace {

namespace fs = std::filesystem;
using make_shapes::kShapeNames;

struct Options {
  std::string out;
  int images = 400;
  double val_fraction = 0.2;
  int imgsz = 256;
  int classes = 6;
  int max_objects = 6;
  std::uint64_t seed = 0;
  std::string format = "jpg";
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--out", o.out, "output directory (created if missing)")->required();
  app.add_option("--images", o.images, "number of images, train and val together")->capture_default_str();
  app.add_option("--val-fraction", o.val_fraction, "share of the images that go to val")->capture_default_str();
  app.add_option("--imgsz", o.imgsz, "longer image side in pixels; the other is 0.6-1.0 of it")->capture_default_str();
  app.add_option("--classes", o.classes, fmt::format("number of shape classes, at most {}", kShapeNames.size()))
      ->capture_default_str();
  app.add_option("--max-objects", o.max_objects, "most shapes in one image")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed: same seed and options, same bytes")->capture_default_str();
  app.add_option("--format", o.format, "image format")->check(CLI::IsMember({"jpg", "png"}))->capture_default_str();
}

// Range checks with messages that name the flag and its limits.
void validate(const Options& o) {
  const int most_classes = static_cast<int>(kShapeNames.size());
  if (o.out.empty()) throw std::invalid_argument("--out must name a directory");
  if (o.images < 1) throw std::invalid_argument(fmt::format("--images must be at least 1, got {}", o.images));
  if (!(o.val_fraction >= 0 && o.val_fraction <= 1))
    throw std::invalid_argument(fmt::format("--val-fraction must be in [0, 1], got {}", o.val_fraction));
  if (o.imgsz < 32 || o.imgsz > 8192)
    throw std::invalid_argument(fmt::format("--imgsz must be in [32, 8192], got {}", o.imgsz));
  if (o.classes < 1 || o.classes > most_classes)
    throw std::invalid_argument(fmt::format("--classes must be in [1, {}] (there are {} shapes), got {}", most_classes,
                                            most_classes, o.classes));
  if (o.max_objects < 1 || o.max_objects > 100)
    throw std::invalid_argument(fmt::format("--max-objects must be in [1, 100], got {}", o.max_objects));
}

int val_count(const Options& o) { return static_cast<int>(std::lround(o.images * o.val_fraction)); }

const std::array<const char*, 2> kSplits = {"train", "val"};

void create_directories(const fs::path& root) {
  for (const char* kind : {"images", "labels"})
    for (const char* split : kSplits) {
      const fs::path dir = root / kind / split;
      std::error_code error;
      fs::create_directories(dir, error);
      if (error) throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), error.message()));
    }
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  if (!file) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

void write_image(const fs::path& path, const cv::Mat& image) {
  if (!cv::imwrite(path.string(), image)) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

// One `cls xc yc w h` row per shape, normalised by the image size, 6 decimals.
std::string label_rows(const make_shapes::Scene& scene) {
  const double width = scene.image.cols, height = scene.image.rows;
  std::string rows;
  for (const make_shapes::LabelBox& b : scene.boxes)
    rows += fmt::format("{} {:.6f} {:.6f} {:.6f} {:.6f}\n", b.cls, (b.x0 + b.x1) / 2 / width,
                        (b.y0 + b.y1) / 2 / height, (b.x1 - b.x0) / width, (b.y1 - b.y0) / height);
  return rows;
}

// ultralytics' dataset file. The path is single-quoted YAML (a quote doubles).
std::string data_yaml(const fs::path& root, int classes) {
  std::string quoted;
  for (char c : root.string()) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  std::string yaml = fmt::format("path: '{}'\ntrain: images/train\nval: images/val\nnc: {}\nnames:\n", quoted, classes);
  for (int k = 0; k < classes; ++k) yaml += fmt::format("  - {}\n", kShapeNames[k]);
  return yaml;
}

struct ImageFiles {
  fs::path image, label;
};

// Image i's files: the last round(N * fraction) images are val, so the split
// never depends on the seed; names are the index, zero-padded to at least 6 digits.
ImageFiles files_of(const Options& o, const fs::path& root, int index) {
  const char* split = index < o.images - val_count(o) ? "train" : "val";
  const int digits = std::max(6, static_cast<int>(std::to_string(o.images - 1).size()));
  const std::string stem = fmt::format("{:0{}}", index, digits);
  return {root / "images" / split / (stem + "." + o.format), root / "labels" / split / (stem + ".txt")};
}

// Writes every image and label; returns the number of objects.
long write_dataset(const Options& o, const fs::path& root) {
  const make_shapes::SceneOptions scene_options{o.imgsz, o.classes, o.max_objects};
  long objects = 0;
  for (int i = 0; i < o.images; ++i) {
    const make_shapes::Scene scene = make_shapes::draw_scene(scene_options, make_shapes::image_seed(o.seed, i));
    const ImageFiles files = files_of(o, root, i);
    write_image(files.image, scene.image);
    write_text(files.label, label_rows(scene));
    objects += static_cast<long>(scene.boxes.size());
  }
  return objects;
}

// Removes images and labels an earlier, bigger or differently split run left
// (files named by digits only, that this run did not write). Done after
// writing: overwriting a file in place is cheaper than unlinking and re-creating it.
void remove_stale_files(const Options& o, const fs::path& root) {
  std::set<fs::path> current;
  for (int i = 0; i < o.images; ++i) {
    const ImageFiles files = files_of(o, root, i);
    current.insert(files.image), current.insert(files.label);
  }
  for (const char* kind : {"images", "labels"})
    for (const char* split : kSplits)
      for (const fs::directory_entry& entry : fs::directory_iterator(root / kind / split)) {
        const std::string stem = entry.path().stem().string(), ext = entry.path().extension().string();
        const bool ours = (ext == ".jpg" || ext == ".png" || ext == ".txt") && !stem.empty() &&
                          stem.find_first_not_of("0123456789") == std::string::npos;
        if (ours && entry.is_regular_file() && !current.contains(entry.path())) fs::remove(entry.path());
      }
}

void run(const Options& o) {
  validate(o);
  create_directories(o.out);
  const fs::path root = fs::canonical(o.out);
  const long objects = write_dataset(o, root);
  remove_stale_files(o, root);
  write_text(root / "data.yaml", data_yaml(root, o.classes));
  fmt::print("make-shapes: {} images ({} train, {} val), {} classes, {} objects -> {}\n", o.images,
             o.images - val_count(o), val_count(o), o.classes, objects, root.string());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"make-shapes: write a synthetic shapes detection dataset (ultralytics layout)"};
  Options options;
  add_options(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "make-shapes: error: {} (see --help)\n", e.what());
    return e.get_exit_code();
  }
  // Images this small gain nothing from OpenCV's thread pool: its workers
  // spin-wait in sched_yield for longer than the work takes.
  cv::setNumThreads(0);
  try {
    run(options);
    return 0;
  } catch (const std::exception& e) {  // bad values, unwritable paths, OpenCV encoder errors
    fmt::print(stderr, "make-shapes: error: {}\n", e.what());
    return 1;
  }
}
