// Hyper-parameter files and ultralytics' learning-rate schedule and warmup.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/train/hyperparameters.h"
#include "engine/train/progress_bar.h"
#include "engine/train/schedule.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;
const fs::path kConfigs = YOLO_TESTS_DIR "/../configs";

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(Hyperparameters, ShippedFilesLoad) {
  const Hyperparameters high = load_hyperparameters(kConfigs / "hyp.scratch-high.yaml");
  EXPECT_DOUBLE_EQ(high.augment.scale, 0.9);
  EXPECT_DOUBLE_EQ(high.lrf, 0.01);
  EXPECT_DOUBLE_EQ(high.box, 7.5);
  EXPECT_TRUE(has(high.ignored, "obj"));    // YOLOv5's anchor loss
  EXPECT_TRUE(has(high.ignored, "mixup"));  // not built yet
  EXPECT_TRUE(has(high.ignored, "copy_paste"));
  const Hyperparameters med = load_hyperparameters(kConfigs / "hyp.scratch-med.yaml");
  EXPECT_DOUBLE_EQ(med.lrf, 0.1);
  const Hyperparameters low = load_hyperparameters(kConfigs / "hyp.scratch-low.yaml");
  EXPECT_DOUBLE_EQ(low.augment.scale, 0.5);
  EXPECT_TRUE(low.ignored.empty());
}

TEST(Hyperparameters, BadFilesAreClearErrors) {
  const fs::path file = fs::temp_directory_path() / fmt::format("yolo_hyp_{}.yaml", ::getpid());
  auto message_for = [&](const std::string& text) {
    std::ofstream(file) << text;
    try {
      load_hyperparameters(file);
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_NE(message_for("lr0: 0.01\nlearning_rate: 3\n").find("unknown hyper-parameter 'learning_rate'"),
            std::string::npos);
  EXPECT_NE(message_for("lr0: fast\n").find("lr0 must be a number"), std::string::npos);
  EXPECT_NE(message_for("scale: 1.5\n").find("scale = 1.5 is outside"), std::string::npos);
  EXPECT_NE(message_for("[1, 2]\n").find("a map"), std::string::npos);
  fs::remove(file);
  EXPECT_THROW(load_hyperparameters(file), Error);  // missing
}

TEST(Schedule, LinearAndCosineFactors) {
  EXPECT_DOUBLE_EQ(lr_factor(0, 100, 0.01, false), 1.0);
  EXPECT_NEAR(lr_factor(100, 100, 0.01, false), 0.01, 1e-12);
  EXPECT_NEAR(lr_factor(50, 100, 0.01, false), 0.505, 1e-12);
  EXPECT_NEAR(lr_factor(0, 100, 0.01, true), 1.0, 1e-12);
  EXPECT_NEAR(lr_factor(100, 100, 0.01, true), 0.01, 1e-12);
  EXPECT_NEAR(lr_factor(50, 100, 0.01, true), 0.505, 1e-12);
  EXPECT_NEAR(lr_factor(25, 100, 0.01, true), 1 - 0.99 * (1 - std::cos(0.25 * 3.141592653589793)) / 2, 1e-12);
}

// 50 batches per epoch, 10 epochs: nw = round(min(3, 9) * 50) = 150; batch 16: nbs / batch = 4.
TEST(Schedule, WarmupRampsAsUltralytics) {
  const Hyperparameters h;  // lr0 0.01, lrf 0.01, warmup 3 epochs from momentum 0.8 and bias lr 0.1
  const std::int64_t nw = warmup_iterations(h.warmup_epochs, 50, 10);
  EXPECT_EQ(nw, 150);
  EXPECT_EQ(warmup_iterations(3.0, 10, 2), 10);  // at most epochs - 1 of warmup
  EXPECT_EQ(warmup_iterations(3.0, 10, 1), 0);   // a 1-epoch run has none
  EXPECT_EQ(warmup_iterations(0.0, 10, 10), 0);
  EXPECT_EQ(warmup_iterations(0.25, 10, 10), 2);  // round(2.5): half to even
  const double target = 0.01 * lr_factor(1, 10, 0.01, false);
  const StepSettings start = step_settings(h, 0, nw, 0, 10, false, 16, 500);
  EXPECT_FLOAT_EQ(start.lr[0], 0.0f);
  EXPECT_FLOAT_EQ(start.lr[1], 0.0f);
  EXPECT_FLOAT_EQ(start.lr[2], 0.1f);
  EXPECT_FLOAT_EQ(start.momentum, 0.8f);
  EXPECT_EQ(start.accumulate, 1);
  const StepSettings half = step_settings(h, 75, nw, 1, 10, false, 16, 500);
  EXPECT_FLOAT_EQ(half.lr[0], static_cast<float>(target / 2));
  EXPECT_FLOAT_EQ(half.lr[2], static_cast<float>(0.1 + (target - 0.1) / 2));
  EXPECT_FLOAT_EQ(half.momentum, static_cast<float>(0.8 + (0.937 - 0.8) / 2));
  EXPECT_EQ(half.accumulate, 2);  // round(2.5) = 2, numpy's half to even
  const StepSettings after = step_settings(h, 200, nw, 4, 10, false, 16, 500);
  EXPECT_FLOAT_EQ(after.lr[2], static_cast<float>(0.01 * lr_factor(4, 10, 0.01, false)));
  EXPECT_FLOAT_EQ(after.momentum, 0.937f);
  EXPECT_EQ(after.accumulate, 4);
  EXPECT_EQ(step_settings(h, 200, nw, 4, 10, false, 128, 500).accumulate, 1);  // batch above nbs
  EXPECT_EQ(step_settings(h, 2, 0, 0, 1, false, 2, 3).accumulate, 3);   // capped at the run's 3 batches
}

}  // namespace
}  // namespace yolo

namespace yolo {
namespace {

TEST(EpochProgress, LineShowsEpochMemoryLossesBarEtaAndRate) {
  const double losses[3] = {1.23456, 2.5, 0.75};
  // 5 of 20 batches in 10 s: 0.5 it/s, 15 more take 30 s.
  const std::string line = EpochProgress::format_line(3, 100, 5, 20, losses, 64, 640, 1'500'000'000, 10.0);
  EXPECT_EQ(line,
            "     3/100      1.5G     1.235       2.5      0.75         64   640:  25%|#####               | 5/20 "
            "[00:10<00:30, 0.50it/s]");
}

}  // namespace
}  // namespace yolo
