// yolo-val: evaluates a checkpoint on a dataset split (ultralytics'
// `yolo val`, YOLOv5/YOLOv9's val.py flags): letterboxed batches, NMS,
// ultralytics' metrics table and speed, and with --save-json the
// detections in COCO's results format.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/data/image_store.h"
#include "engine/data/dataset.h"
#include "engine/eval/coco_results.h"
#include "engine/eval/validator.h"
#include "engine/graph/checkpoint.h"
#include "engine/io/run_directory.h"

namespace {

namespace fs = std::filesystem;

struct Flags {
  std::string weights, data, device = "cpu", split = "val", project = "runs/val", name = "exp";
  int imgsz = 640, batch = 16, workers = 2, max_det = 300;
  float conf = 0.001f, iou = 0.7f;
  bool save_json = false, half = false, exist_ok = false;
};

int run(const Flags& f) {
  const yolo::Context ctx(yolo::Device::parse(f.device));
  const yolo::DataConfig config = yolo::load_data_config(f.data);
  YOLO_CHECK(f.split == "val" || f.split == "test", "--split {}: expected val or test", f.split);
  const auto& entries = f.split == "val" ? config.val : config.test;
  YOLO_CHECK(!entries.empty(), "{}: no '{}' split", f.data, f.split);
  const auto model = yolo::load_model_for_inference(ctx, f.weights, f.half);
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
    const fs::path file = yolo::run_directory(f.project, f.name, f.exist_ok) / "predictions.json";
    yolo::CocoResults coco;
    for (std::size_t i = 0; i < report.detections.size(); ++i) {
      coco.add(split.checked.images[i].image.stem().string(), report.detections[i]);
    }
    coco.write(file);
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
  app.add_flag("--half", f.half, "half-precision inference (f16 on CUDA, bf16 on the CPU)");
  yolo::quiet_image_library_logs();
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
