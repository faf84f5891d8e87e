// The detection loss the trainer picks for a model (training_loss_options):
// the YOLOv9 repository's for its DDetect / DualDDetect heads, ultralytics'
// for Detect (ultralytics' own YOLOv9 included), with the hyp file's gains.
#include <gtest/gtest.h>

#include "engine/graph/model.h"
#include "engine/graph/modules/detect.h"
#include "engine/train/loss_options.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

const std::vector<std::string> kModelDirs = {YOLO_TESTS_DIR "/../models", YOLO_TESTS_DIR "/../models/detect"};

LossFlavour flavour_of(const std::string& cfg) {
  Context ctx;
  Model model(ctx, load_model_config(cfg, kModelDirs, 3));
  return training_loss_options(Hyperparameters{}, model.head().type()).flavour;
}

TEST(LossOptions, YoloV9RepositoryHeadsTrainWithItsLoss) {
  EXPECT_EQ(flavour_of("yolov9-t.yaml"), LossFlavour::yolov9);  // DualDDetect (train_dual.py)
  EXPECT_EQ(flavour_of("gelan-t.yaml"), LossFlavour::yolov9);   // DDetect (train.py)
}

TEST(LossOptions, UltralyticsDetectTrainsWithUltralyticsLoss) {
  EXPECT_EQ(flavour_of("yolov8n.yaml"), LossFlavour::ultralytics);
  EXPECT_EQ(flavour_of("yolov9t.yaml"), LossFlavour::ultralytics);  // ultralytics' YOLOv9: Detect
}

TEST(LossOptions, GainsComeFromTheHypFile) {
  Hyperparameters hyp;
  hyp.box = 5.0, hyp.cls = 1.0, hyp.dfl = 2.0;
  const DetectionLossOptions o = training_loss_options(hyp, "DualDDetect");
  EXPECT_FLOAT_EQ(o.box_gain, 5.0f);
  EXPECT_FLOAT_EQ(o.cls_gain, 1.0f);
  EXPECT_FLOAT_EQ(o.dfl_gain, 2.0f);
  EXPECT_NE(test::error_of([&] { training_loss_options(hyp, "Segment"); }).find("no detection loss for a Segment head"),
            std::string::npos);
}

}  // namespace
}  // namespace yolo
