// Checkpoints: a bit-exact round trip, and clear errors for truncated,
// corrupt and mismatched files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/graph/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/ops/elementwise.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using test::error_of;

namespace fs = std::filesystem;
const std::vector<std::string> kModelDirs = {YOLO_TESTS_DIR "/../models"};

class Checkpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("yolo_ckpt_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::vector<char> bytes_of(const Tensor& t) {
  const char* p = static_cast<const char*>(t.raw_data());
  return {p, p + t.nbytes()};
}

TEST_F(Checkpoint, RoundTripIsBitExactAndKeepsMetadata) {
  Context ctx(Device::cpu(), ContextOptions{0, 7});
  Model a(ctx, load_model_config("yolov8n.yaml", kModelDirs, 5));
  fill_uniform(ctx, a.store().buffer_values(), 0.5f, 2.0f);  // non-trivial running statistics
  save_checkpoint(ctx, a, path("a.safetensors"), {{"epoch", "3"}});
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "the temporary file is renamed away";

  Context other(Device::cpu(), ContextOptions{0, 99});  // another seed: other initial weights
  Model b(other, load_model_config("yolov8n.yaml", kModelDirs, 5));
  EXPECT_NE(bytes_of(a.store().values()), bytes_of(b.store().values()));
  const CheckpointLoad loaded = load_checkpoint(other, b, path("a.safetensors"));
  EXPECT_EQ(bytes_of(a.store().values()), bytes_of(b.store().values()));
  EXPECT_EQ(bytes_of(a.store().buffer_values()), bytes_of(b.store().buffer_values()));
  EXPECT_EQ(loaded.loaded, static_cast<int>(a.store().parameters().size() + a.store().buffers().size()));
  EXPECT_EQ(loaded.metadata.at("epoch"), "3");
  EXPECT_EQ(loaded.metadata.at("format"), kCheckpointFormat);
  EXPECT_EQ(loaded.metadata.at("nc"), "5");
  EXPECT_EQ(loaded.metadata.at("model_yaml"), a.config().text);
  // PyTorch's layout in the file: conv weights (O, I, KH, KW).
  const SafetensorsFile f = read_safetensors(path("a.safetensors"));
  EXPECT_EQ(f.entries.at("model.0.conv.weight").shape, Shape({16, 3, 3, 3}));
  EXPECT_EQ(f.entries.at("model.22.cv3.0.2.bias").shape, Shape({5}));
}

TEST_F(Checkpoint, StrictLoadRefusesTensorsTheModelDoesNotHave) {
  Context ctx;
  Model n(ctx, load_model_config("yolov8n.yaml", kModelDirs, 2));
  save_checkpoint(ctx, n, path("n.safetensors"));
  // The same file plus one tensor the model does not have.
  const SafetensorsFile f = read_safetensors(path("n.safetensors"));
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, entry] : f.entries) tensors.emplace_back(name, f.tensor(ctx, name, entry.dtype));
  tensors.emplace_back("model.99.extra.weight", ctx.zeros({3}, DType::f32));
  write_safetensors(path("extra.safetensors"), tensors, f.metadata);
  const std::string message = error_of([&] { load_checkpoint(ctx, n, path("extra.safetensors")); });
  EXPECT_NE(message.find("tensor model.99.extra.weight does not belong to model yolov8n"), std::string::npos)
      << message;
  const CheckpointLoad relaxed = load_checkpoint(ctx, n, path("extra.safetensors"), /*strict=*/false);
  EXPECT_EQ(relaxed.skipped, 0);
}

TEST_F(Checkpoint, TrainingStateTensorsRideAlongAndModelLoadsSkipThem) {
  Context ctx;
  Model n(ctx, load_model_config("yolov8n.yaml", kModelDirs, 2));
  const std::string state = std::string(kTrainStatePrefix) + "values";
  save_checkpoint(ctx, n, path("last.safetensors"), {}, {{state, ctx.zeros({7}, DType::f32)}});
  EXPECT_EQ(read_safetensors(path("last.safetensors")).entries.count(state), 1u);
  const CheckpointLoad strict = load_checkpoint(ctx, n, path("last.safetensors"));
  EXPECT_EQ(strict.loaded, static_cast<int>(n.store().parameters().size() + n.store().buffers().size()));
  EXPECT_EQ(error_of([&] { save_checkpoint(ctx, n, path("bad.safetensors"), {}, {{"optimizer", ctx.zeros({1}, DType::f32)}}); }),
            "checkpoint: extra tensor optimizer must be named under train_state/");
}

TEST_F(Checkpoint, TruncatedCorruptAndMismatchedFilesAreClearErrors) {
  Context ctx;
  Model n(ctx, load_model_config("yolov8n.yaml", kModelDirs, 2));
  save_checkpoint(ctx, n, path("n.safetensors"));
  const auto size = fs::file_size(path("n.safetensors"));

  fs::copy_file(path("n.safetensors"), path("cut.safetensors"));
  fs::resize_file(path("cut.safetensors"), size / 2);
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, n, path("cut.safetensors")); }).find("truncated"), std::string::npos);
  fs::resize_file(path("cut.safetensors"), 5);
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, n, path("cut.safetensors")); }).find("truncated"), std::string::npos);

  {
    std::ofstream garbage(path("garbage.safetensors"), std::ios::binary);
    const char header[8] = {16, 0, 0, 0, 0, 0, 0, 0};
    garbage.write(header, 8);
    garbage << "{not json at all";
  }
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, n, path("garbage.safetensors")); }).find("corrupt header"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, n, path("missing.safetensors")); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, n, dir_.string()); }).find("cannot open"), std::string::npos)
      << "a directory";
  // A header claiming a negative dimension, and one claiming 2^60 bytes.
  auto write_raw = [&](const std::string& name, const std::string& header, std::uint64_t claimed) {
    std::ofstream f(path(name), std::ios::binary);
    for (int i = 0; i < 8; ++i) f.put(static_cast<char>(claimed >> (8 * i)));
    f << header;
  };
  const std::string negative = R"({"a":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}})";
  write_raw("negative.safetensors", negative + std::string(16, '\0'), negative.size());
  EXPECT_NE(error_of([&] { read_safetensors(path("negative.safetensors")); }).find("dimension -2 out of range"),
            std::string::npos);
  write_raw("huge.safetensors", "{}", std::uint64_t{1} << 60);
  EXPECT_NE(error_of([&] { read_safetensors(path("huge.safetensors")); }).find("truncated"), std::string::npos);

  // Another model: the first tensor that differs is named.
  Model s(ctx, load_model_config("yolov8s.yaml", kModelDirs, 2));
  const std::string message = error_of([&] { load_checkpoint(ctx, s, path("n.safetensors")); });
  EXPECT_NE(message.find("tensor model.0.conv.weight is f32[16, 3, 3, 3]; the model expects f32[32, 3, 3, 3]"),
            std::string::npos)
      << message;
  // A strict failure leaves the model as it was.
  const std::vector<char> before = bytes_of(s.store().values());
  EXPECT_NE(error_of([&] { load_checkpoint(ctx, s, path("n.safetensors")); }), "");
  EXPECT_EQ(bytes_of(s.store().values()), before);
  // Not strict: what fits is taken (here: nothing of the stem, the DFL projection does fit).
  const CheckpointLoad partial = load_checkpoint(ctx, s, path("n.safetensors"), /*strict=*/false);
  EXPECT_GT(partial.skipped, 0);
  EXPECT_GE(partial.loaded, 1);
}

}  // namespace
}  // namespace yolo
