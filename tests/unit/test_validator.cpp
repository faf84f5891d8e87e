// validate() end to end on a tiny dataset and an untrained YOLOv8n saved
// and reloaded through load_model: every image and label is counted,
// detections land inside their original images, the speed is measured.
// (Whether matches count is test_metrics' and the metrics oracle's job; an
// untrained model finds nothing worth matching.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/data/dataset.h"
#include "engine/eval/validator.h"
#include "engine/graph/checkpoint.h"
#include "engine/core/error.h"
#include "engine/graph/model_config.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

TEST(Validator, CountsEveryImageAndLabelAndMapsDetectionsBack) {
  const fs::path root = fs::temp_directory_path() / fmt::format("yolo_validator_{}", ::getpid());
  fs::remove_all(root);
  fs::create_directories(root / "images" / "val");
  fs::create_directories(root / "labels" / "val");
  int labels = 0;
  for (int i = 0; i < 5; ++i) {
    cv::Mat im(40 + 9 * i, 90 - 7 * i, CV_8UC3, cv::Scalar(30 * i, 90, 200 - 30 * i));
    cv::circle(im, cv::Point(im.cols / 2, im.rows / 2), 12, cv::Scalar(255, 255, 255), cv::FILLED);
    cv::imwrite((root / "images" / "val" / fmt::format("{}.png", i)).string(), im);
    std::ofstream label(root / "labels" / "val" / fmt::format("{}.txt", i));
    for (int k = 0; k <= i % 3; ++k, ++labels) label << fmt::format("{} 0.5 {} 0.3 0.2\n", k % 2, 0.3 + 0.2 * k);
  }
  std::ofstream(root / "data.yaml") << "path: " << root.string() << "\ntrain: images/val\nval: images/val\nnames: [a, b]\n";

  const Context ctx;
  {
    Model fresh(ctx, load_model_config(YOLO_TESTS_DIR "/../models/yolov8.yaml", {}, 2));
    save_checkpoint(ctx, fresh, (root / "tiny.safetensors").string());
  }
  const auto model = load_model(ctx, (root / "tiny.safetensors").string());
  EXPECT_EQ(model->config().nc, 2);

  Diagnostics diag(false);
  const DataConfig config = load_data_config(root / "data.yaml");
  DatasetOptions data;
  data.imgsz = 64, data.label_cache = false;
  const Dataset split = open_split(config, config.val, "val", data, diag);
  ValidationOptions options;
  options.batch = 2, options.keep_detections = true;
  const ValidationReport report = validate(ctx, *model, split, options);

  EXPECT_EQ(report.metrics.images, 5);
  EXPECT_EQ(report.metrics.instances, labels);
  EXPECT_GT(report.inference_ms, 0.0);
  ASSERT_EQ(report.detections.size(), 5u);
  std::size_t found = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const CheckedImage& im = split.checked.images[i];
    for (const PredictedBox& p : report.detections[i]) {
      EXPECT_GE(p.box.x1, 0.0f);
      EXPECT_LE(p.box.x2, static_cast<float>(im.width));
      EXPECT_LE(p.box.y2, static_cast<float>(im.height));
      EXPECT_GE(p.score, 0.001f);
      ++found;
    }
  }
  EXPECT_GT(found, 0u);  // an untrained head still scores ~0.01 everywhere: above validation's 0.001
  EXPECT_FALSE(format_validation_table(report.metrics, config.names, true).empty());
  fs::remove_all(root);
}

TEST(Validator, LoadModelRejectsAFileThatIsNotACheckpoint) {
  const fs::path file = fs::temp_directory_path() / fmt::format("yolo_not_a_checkpoint_{}.safetensors", ::getpid());
  std::ofstream(file) << "not safetensors";
  const Context ctx;
  EXPECT_THROW(load_model(ctx, file.string()), Error);
  fs::remove(file);
}

}  // namespace
}  // namespace yolo
