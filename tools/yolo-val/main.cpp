// yolo-val: evaluates a checkpoint on a dataset split (ultralytics'
// `yolo val`, YOLOv5/YOLOv9's val.py flags): letterboxed batches, NMS,
// ultralytics' metrics table and speed, and with --save-json the
// detections in COCO's results format.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/eval/validator.h"
#include "engine/graph/checkpoint.h"

namespace {

namespace fs = std::filesystem;

struct Flags {
  std::string weights, data, device = "cpu", split = "val", project = "runs/val", name = "exp";
  int imgsz = 640, batch = 16, workers = 2, max_det = 300;
  float conf = 0.001f, iou = 0.7f;
  bool save_json = false, half = false, exist_ok = false;
};

// runs/val/exp, exp2, exp3, ... as ultralytics' increment_path (or the name as is with --exist-ok).
fs::path run_directory(const Flags& f) {
  const fs::path base = fs::path(f.project) / f.name;
  if (f.exist_ok || !fs::exists(base)) return base;
  for (int i = 2;; ++i) {
    const fs::path candidate = fs::path(f.project) / fmt::format("{}{}", f.name, i);
    if (!fs::exists(candidate)) return candidate;
  }
}

// COCO results: one {"image_id", "category_id", "bbox": [x, y, w, h], "score"} per detection;
// image_id is the file stem, as a number when it is one (as ultralytics).
void write_coco_json(const fs::path& file, const yolo::Dataset& split, const yolo::ValidationReport& report) {
  std::string out = "[";
  bool first = true;
  for (std::size_t i = 0; i < report.detections.size(); ++i) {
    const std::string stem = split.checked.images[i].image.stem().string();
    const bool numeric = !stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos;
    const std::string id = numeric ? std::to_string(std::stoll(stem)) : fmt::format("\"{}\"", stem);
    for (const yolo::PredictedBox& p : report.detections[i]) {
      out += fmt::format("{}\n{{\"image_id\": {}, \"category_id\": {}, \"bbox\": [{:.3f}, {:.3f}, {:.3f}, {:.3f}], \"score\": {:.5f}}}",
                         first ? "" : ",", id, p.cls, p.box.x1, p.box.y1, p.box.x2 - p.box.x1, p.box.y2 - p.box.y1,
                         p.score);
      first = false;
    }
  }
  out += "\n]\n";
  fs::create_directories(file.parent_path());
  const fs::path tmp = file.string() + fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << out;
    YOLO_CHECK(f.good(), "{}: cannot write", tmp.string());
  }
  fs::rename(tmp, file);
}

int run(const Flags& f) {
  const yolo::Context ctx(yolo::Device::parse(f.device));
  if (f.half) fmt::print(stderr, "yolo-val: --half: f16 inference is not available yet; evaluating in f32\n");
  const yolo::DataConfig config = yolo::load_data_config(f.data);
  YOLO_CHECK(f.split == "val" || f.split == "test", "--split {}: expected val or test", f.split);
  const auto& entries = f.split == "val" ? config.val : config.test;
  YOLO_CHECK(!entries.empty(), "{}: no '{}' split", f.data, f.split);
  const auto model = yolo::load_model(ctx, f.weights);
  YOLO_CHECK(model->config().nc == config.nc, "{} has {} classes, {} has {}", f.weights, model->config().nc, f.data,
             config.nc);
  yolo::Diagnostics diag;
  yolo::DatasetOptions data_options;
  data_options.imgsz = f.imgsz, data_options.workers = f.workers;
  const yolo::Dataset split = yolo::open_split(config, entries, f.split, data_options, diag);
  yolo::ValidationOptions options;
  options.batch = f.batch, options.workers = f.workers, options.keep_detections = f.save_json;
  options.nms.conf = f.conf, options.nms.iou = f.iou, options.nms.max_det = f.max_det;
  const yolo::ValidationReport report = yolo::validate(ctx, *model, split, options);
  fmt::print("{}", yolo::format_validation_table(report.metrics, config.names, config.nc > 1));
  fmt::print("Speed: {:.1f}ms preprocess, {:.1f}ms inference, {:.1f}ms postprocess per image at shape ({}, 3, {}, {})\n",
             report.preprocess_ms, report.inference_ms, report.postprocess_ms, f.batch, f.imgsz, f.imgsz);
  if (f.save_json) {
    const fs::path file = run_directory(f) / "predictions.json";
    write_coco_json(file, split, report);
    fmt::print("Saving {}\n", file.string());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yolo-val: evaluate a checkpoint on a dataset split"};
  Flags f;
  app.add_option("--weights", f.weights, "checkpoint (.safetensors)")->required();
  app.add_option("--data", f.data, "dataset YAML (ultralytics data.yaml)")->required();
  app.add_option("--img,--imgsz,--img-size", f.imgsz, "inference size (pixels)");
  app.add_option("--batch,--batch-size", f.batch, "batch size");
  app.add_option("--device", f.device, "cpu, 0, cuda:0");
  app.add_option("--conf,--conf-thres", f.conf, "confidence threshold");
  app.add_option("--iou,--iou-thres", f.iou, "NMS IoU threshold");
  app.add_option("--max-det", f.max_det, "maximum detections per image");
  app.add_option("--split,--task", f.split, "val or test");
  app.add_option("--workers", f.workers, "data loader threads");
  app.add_option("--project", f.project, "save to project/name");
  app.add_option("--name", f.name, "save to project/name");
  app.add_flag("--exist-ok", f.exist_ok, "reuse project/name");
  app.add_flag("--save-json", f.save_json, "write COCO-format detections (predictions.json)");
  app.add_flag("--half", f.half, "f16 inference (not available yet: f32 is used)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return run(f);
  } catch (const yolo::Error& e) {
    fmt::print(stderr, "yolo-val: error: {}\n", e.message());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "yolo-val: error: {}\n", e.what());
    return 1;
  }
}
