// yolo-detect: runs a checkpoint on images and videos (ultralytics'
// `yolo predict`, YOLOv5/YOLOv9's detect.py flags) and writes them
// annotated to runs/detect/NAME, with YOLO .txt labels (--save-txt) and
// COCO-format detections (--save-json).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "engine/core/error.h"
#include "engine/data/image_store.h"
#include "engine/data/media_sources.h"
#include "engine/eval/annotate.h"
#include "engine/eval/coco_results.h"
#include "engine/eval/predictor.h"
#include "engine/graph/checkpoint.h"
#include "engine/io/run_directory.h"

namespace {

namespace fs = std::filesystem;

struct Flags {
  std::string weights, source, device = "cpu", project = "runs/detect", name = "exp";
  int imgsz = 640, max_det = 300, batch = 1;
  float conf = 0.25f, iou = 0.7f;
  std::vector<int> classes;
  bool half = false, save_txt = false, save_conf = false, save_json = false, exist_ok = false, nosave = false;
};

// "2 circles, 1 square" (ultralytics' summary of one image).
std::string describe(const std::vector<yolo::PredictedBox>& found, const std::vector<std::string>& names) {
  std::map<std::int32_t, int> counts;
  for (const auto& d : found) ++counts[d.cls];
  std::string out;
  for (const auto& [cls, n] : counts) {
    const std::string name = cls < static_cast<std::int32_t>(names.size()) ? names[cls] : std::to_string(cls);
    out += fmt::format("{}{} {}{}", out.empty() ? "" : ", ", n, name, n > 1 ? "s" : "");
  }
  return out.empty() ? "(no detections)" : out;
}

// YOLO rows "cls xc yc w h [conf]", normalised to the image.
void write_labels(const fs::path& file, const std::vector<yolo::PredictedBox>& found, int width, int height,
                  bool with_conf) {
  std::ofstream out(file);
  for (const auto& d : found) {
    const double w = width, h = height;
    out << fmt::format("{} {:.6f} {:.6f} {:.6f} {:.6f}", d.cls, (d.box.x1 + d.box.x2) / 2 / w,
                       (d.box.y1 + d.box.y2) / 2 / h, (d.box.x2 - d.box.x1) / w, (d.box.y2 - d.box.y1) / h);
    if (with_conf) out << fmt::format(" {:.5f}", d.score);
    out << '\n';
  }
}

int run(const Flags& f) {
  const yolo::Context ctx(yolo::Device::parse(f.device));
  const auto model = yolo::load_model_for_inference(ctx, f.weights, f.half);
  std::vector<std::string> names = yolo::checkpoint_class_names(f.weights);
  yolo::NmsOptions nms;
  nms.conf = f.conf, nms.iou = f.iou, nms.max_det = f.max_det, nms.classes = f.classes;
  yolo::Predictor predictor(ctx, *model, f.imgsz, nms);
  yolo::Diagnostics diag;
  const std::vector<yolo::MediaSource> sources = yolo::list_media_sources(f.source, diag);
  const fs::path out_dir = yolo::run_directory(f.project, f.name, f.exist_ok);
  if (f.save_txt) fs::create_directories(out_dir / "labels");
  yolo::PredictionTimes times;
  std::int64_t frames = 0, unreadable = 0;
  yolo::CocoResults coco;
  // Images wait here until a batch is full (or a video or the end comes).
  struct Pending {
    std::size_t source;
    cv::Mat image;
  };
  std::vector<Pending> pending;
  auto flush = [&] {
    if (pending.empty()) return;
    std::vector<yolo::Predictor::ImageView> views;
    for (const Pending& p : pending) {
      views.push_back({p.image.data, p.image.cols, p.image.rows, static_cast<std::int64_t>(p.image.step)});
    }
    yolo::PredictionTimes t;
    const auto results = predictor.predict(views, &t);
    times.preprocess_ms += t.preprocess_ms, times.inference_ms += t.inference_ms, times.nms_ms += t.nms_ms;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const yolo::MediaSource& src = sources[pending[i].source];
      cv::Mat& image = pending[i].image;
      const auto& found = results[i];
      ++frames;
      fmt::print("image {}/{} {}: {}x{} {}, {:.1f}ms\n", pending[i].source + 1, sources.size(), src.path.string(),
                 image.rows, image.cols, describe(found, names), t.inference_ms / static_cast<double>(pending.size()));
      if (f.save_txt) write_labels(out_dir / "labels" / (src.path.stem().string() + ".txt"), found, image.cols, image.rows, f.save_conf);
      if (f.save_json) coco.add(src.path.stem().string(), found);
      if (!f.nosave) {
        yolo::draw_detections(image.data, image.cols, image.rows, static_cast<std::int64_t>(image.step), found, names);
        YOLO_CHECK(cv::imwrite((out_dir / src.path.filename()).string(), image), "{}: cannot write",
                   (out_dir / src.path.filename()).string());
      }
    }
    pending.clear();
  };
  for (std::size_t s = 0; s < sources.size(); ++s) {
    const yolo::MediaSource& src = sources[s];
    if (!src.video) {
      cv::Mat image = cv::imread(src.path.string(), cv::IMREAD_COLOR);
      if (image.empty()) {
        diag.warn(fmt::format("{}: cannot read the image, skipped", src.path.string()));
        ++unreadable;
        continue;
      }
      pending.push_back({s, std::move(image)});
      if (static_cast<int>(pending.size()) >= f.batch) flush();
      continue;
    }
    flush();
    cv::VideoCapture video(src.path.string());
    if (!video.isOpened()) {
      diag.warn(fmt::format("{}: cannot open the video, skipped", src.path.string()));
      ++unreadable;
      continue;
    }
    const auto total = static_cast<std::int64_t>(video.get(cv::CAP_PROP_FRAME_COUNT));
    const double fps = video.get(cv::CAP_PROP_FPS) > 0 ? video.get(cv::CAP_PROP_FPS) : 30.0;
    cv::VideoWriter writer;
    cv::Mat frame;
    for (std::int64_t n = 1; video.read(frame); ++n) {
      yolo::PredictionTimes t;
      const auto found = predictor.predict(frame.data, frame.cols, frame.rows, static_cast<std::int64_t>(frame.step), &t);
      times.preprocess_ms += t.preprocess_ms, times.inference_ms += t.inference_ms, times.nms_ms += t.nms_ms;
      ++frames;
      fmt::print("video {}/{} (frame {}/{}) {}: {}x{} {}, {:.1f}ms\n", s + 1, sources.size(), n, total,
                 src.path.string(), frame.rows, frame.cols, describe(found, names), t.inference_ms);
      if (f.save_txt) {
        write_labels(out_dir / "labels" / fmt::format("{}_{}.txt", src.path.stem().string(), n), found, frame.cols,
                     frame.rows, f.save_conf);
      }
      if (!f.nosave) {
        yolo::draw_detections(frame.data, frame.cols, frame.rows, static_cast<std::int64_t>(frame.step), found, names);
        if (!writer.isOpened()) {
          const fs::path file = out_dir / (src.path.stem().string() + ".mp4");
          writer.open(file.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, frame.size());
          YOLO_CHECK(writer.isOpened(), "{}: cannot write the video", file.string());
        }
        writer.write(frame);
      }
    }
  }
  flush();
  diag.flush();
  YOLO_CHECK(frames > 0, "--source {}: none of {} sources could be read", f.source, sources.size());
  if (f.save_json) coco.write(out_dir / "predictions.json");
  const double n = static_cast<double>(frames);
  fmt::print("Speed: {:.1f}ms preprocess, {:.1f}ms inference, {:.1f}ms postprocess per image ({} images{})\n",
             times.preprocess_ms / n, times.inference_ms / n, times.nms_ms / n, frames,
             unreadable ? fmt::format(", {} unreadable", unreadable) : "");
  fmt::print("Results saved to {}\n", out_dir.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yolo-detect: detect objects in images and videos"};
  Flags f;
  app.add_option("--weights", f.weights, "checkpoint (.safetensors)")->required();
  app.add_option("--source", f.source, "image, video, folder, glob or .txt list")->required();
  app.add_option("--img,--imgsz,--img-size", f.imgsz, "inference size (pixels, long side)");
  app.add_option("--conf,--conf-thres", f.conf, "confidence threshold");
  app.add_option("--iou,--iou-thres", f.iou, "NMS IoU threshold");
  app.add_option("--max-det", f.max_det, "maximum detections per image");
  app.add_option("--batch", f.batch, "images per forward pass")->check(CLI::PositiveNumber);
  app.add_option("--classes", f.classes, "keep only these classes")->delimiter(',');
  app.add_option("--device", f.device, "cpu, 0, cuda:0");
  app.add_option("--project", f.project, "save to project/name");
  app.add_option("--name", f.name, "save to project/name");
  app.add_flag("--exist-ok", f.exist_ok, "reuse project/name");
  app.add_flag("--save-txt", f.save_txt, "write YOLO .txt labels");
  app.add_flag("--save-conf", f.save_conf, "with --save-txt, add the confidence");
  app.add_flag("--save-json", f.save_json, "write COCO-format detections (predictions.json)");
  app.add_flag("--nosave", f.nosave, "do not write annotated images or videos");
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
    fmt::print(stderr, "yolo-detect: error: {}\n", e.message());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "yolo-detect: error: {}\n", e.what());
    return 1;
  }
}
