// Whole models against ultralytics (tests/oracle/model_oracle.py, run with
// the project's venv): ultralytics builds the model from our YAML with a
// fixed seed, the converter writes its weights as our checkpoint, and both
// sides run the same training forward, backward and eval forward. The YOLOv9
// repository's models (models/detect/) are built by that repository's own
// model code instead (the "yolov9" reference).
//
// The reference is ultralytics' model run in float64. Tolerance, per tensor
// and relative to its scale (expect_close_to_scale): 1e-4 (the issue's
// figure), or four times the distance of torch's own float32 run from
// float64 if that is larger. Randomly initialised deep nets with batch norm
// over a few values per channel amplify f32 rounding: for yolov9t at 64 px
// torch f32 itself is 5e-3 from f64 (1e-3 at 160 px; 1.3e-4 for yolov8n at
// 64 px), so no f32 implementation can match 1e-4 there. Two independent f32
// implementations land at different points of that spread: at a handful of
// elements (batch-norm parameter gradients of yolov9t/s) ours was up to ~3x
// torch's largest error, hence the factor 4; everywhere else it is within 1x.
// The engine runs its default convolutions: Winograd for 3x3 stride 1, whose
// rounding error is ~10x a direct sum's (test_layers.cpp bounds it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "engine/graph/checkpoint.h"
#include "engine/ops/channels.h"
#include "engine/ops/elementwise.h"
#include "tests/support/oracle.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

struct ParityCase {
  const char* yaml;  // under models/
  const char* scale;
  int nc;
  std::int64_t size;
  const char* reference = "ultralytics";  // or "yolov9": the YOLOv9 repository's model code
};

class ModelOracle : public ::testing::TestWithParam<ParityCase> {};

TEST_P(ModelOracle, TrainForwardGradientsAndEvalMatchUltralytics) {
  const ParityCase c = GetParam();
  Context ctx;
  test::Oracle oracle("model_oracle.py", test::kVenvPython);
  const std::string yaml = std::string(YOLO_TESTS_DIR) + "/../models/" + c.yaml;
  const std::string checkpoint = oracle.dir() + "/initial.safetensors";
  Tensor image = test::random_uniform(ctx, {2, c.size, c.size, 3}, 900, 0.0f, 1.0f);
  oracle.put("image", image);

  // The gradient seeds dy_i need the output shapes: build our model first
  // (any weights: the checkpoint replaces them).
  const ModelConfig file = load_model_config(yaml, {});
  const ModelConfig config = parse_model_config(file.text, file.path, c.scale[0], c.nc);
  Model model(ctx, config);
  model.train(true);
  Tensors probe = model.forward(ctx, image);
  Tensors dys;
  for (std::size_t i = 0; i < probe.size(); ++i) {
    dys.push_back(test::random_uniform(ctx, probe[i].shape(), 910 + static_cast<std::uint32_t>(i)));
    oracle.put("dy" + std::to_string(i), dys.back());
  }
  oracle.run("parity", {{"yaml", yaml},
                        {"scale", c.scale},
                        {"nc", c.nc},
                        {"seed", 0},
                        {"checkpoint", checkpoint},
                        {"reference", c.reference}});

  Model ours(ctx, config);
  load_checkpoint(ctx, ours, checkpoint);
  ours.train(true);
  const Tensors out = ours.forward(ctx, image);
  ASSERT_EQ(out.size(), dys.size());
  auto tolerance = [&](const std::string& name) {
    return std::max(1e-4, 4.0 * static_cast<double>(oracle.get("err." + name).as<float>()[0]));
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string name = "out" + std::to_string(i);
    test::expect_close_to_scale(out[i], oracle.get(name).to_tensor(ctx), tolerance(name), "training " + name);
  }
  ours.zero_grad(ctx);
  ours.backward(ctx, dys);
  int compared = 0;
  for (const Parameter& p : ours.store().parameters()) {
    if (!p.trainable()) continue;
    test::expect_close_to_scale(p.grad, oracle.get("grad." + p.name).to_tensor(ctx), tolerance("grad." + p.name),
                                "gradient of " + p.name);
    ++compared;
  }
  EXPECT_GT(compared, 50);
  ours.train(false);
  const Tensors eval = ours.forward(ctx, image);
  ASSERT_EQ(eval.size(), 1u);
  // Boxes (pixels) and scores (~1e-5 at this init) on their own scales, so
  // that a wrong score cannot hide under the boxes' magnitude.
  const Tensor expected = oracle.get("eval").to_tensor(ctx);
  auto columns = [&](const Tensor& t) {
    Shape boxes = t.shape(), scores = t.shape();
    boxes[2] = 4;
    scores[2] = t.dim(2) - 4;
    Tensors parts = {ctx.empty(boxes, DType::f32), ctx.empty(scores, DType::f32)};
    split_channels(ctx, t, parts);
    return parts;
  };
  const Tensors ours_parts = columns(eval[0]), ref_parts = columns(expected);
  test::expect_close_to_scale(ours_parts[0], ref_parts[0], tolerance("eval"), "eval boxes");
  test::expect_close_to_scale(ours_parts[1], ref_parts[1], tolerance("eval"), "eval class scores");
}

INSTANTIATE_TEST_SUITE_P(Models, ModelOracle,
                         ::testing::Values(ParityCase{"yolov8.yaml", "n", 80, 64}, ParityCase{"yolov8.yaml", "s", 3, 96},
                                           ParityCase{"yolov9t.yaml", "", 80, 128}, ParityCase{"yolov9s.yaml", "", 5, 128},
                                           // The YOLOv9 repository's: AConv + DDetect; CBLinear, CBFuse + DualDDetect.
                                           // Not ADown's models (c, e): ADown max-pools 3x3 windows whose two
                                           // largest values are often within 1e-6 of each other, while any f32
                                           // run is ~3e-6 from f64 there. For gelan-c at 128 px one window of
                                           // 16k picked the other neighbour than f64 did (torch's own f32 run
                                           // happened not to), which moved the backbone's gradients by 1-2%.
                                           // ADown is checked on a small model where no window is that close.
                                           ParityCase{"detect/gelan-m.yaml", "", 5, 64, "yolov9"},
                                           ParityCase{"../tests/oracle/data/adown-probe.yaml", "", 5, 128, "yolov9"},
                                           ParityCase{"detect/yolov9-m.yaml", "", 5, 64, "yolov9"}),
                         [](const auto& info) {
                           std::string stem = info.param.yaml;
                           stem = stem.substr(stem.rfind('/') + 1);
                           stem = stem.substr(0, stem.find('.')) + info.param.scale;
                           std::replace(stem.begin(), stem.end(), '-', '_');
                           return stem;
                         });

// Case i of the oracle's summary run: layers, parameters and gradients
// exactly, GFLOPs to 1e-6 relative.
void expect_summary_matches(const ModelSummary& s, const test::Oracle& oracle, std::size_t i) {
  const NpyArray counts = oracle.get(std::to_string(i) + "_counts");
  const std::int64_t* c = counts.as<std::int64_t>();
  SCOPED_TRACE(s.str());
  EXPECT_EQ(s.layers, c[0]);
  EXPECT_EQ(s.parameters, c[1]);
  EXPECT_EQ(s.gradients, c[2]);
  const double gflops = oracle.get(std::to_string(i) + "_gflops").as<float>()[0];
  EXPECT_NEAR(s.gflops, gflops, 1e-6 * gflops);
}

// The model summary's numbers against ultralytics' model.info() for every
// model ultralytics builds (YOLOv8 n-x, YOLOv9 t-e): layers, parameters and gradients exactly, GFLOPs (thop's
// count at 640) to 1e-6 relative.
TEST(ModelSummaryOracle, CountsEqualUltralyticsForEveryShippedUltralyticsYaml) {
  const std::string dir = std::string(YOLO_TESTS_DIR) + "/../models/";
  // (file, scale letter or 0)
  const std::vector<std::pair<std::string, char>> models = {
      {"yolov8.yaml", 'n'}, {"yolov8.yaml", 's'}, {"yolov8.yaml", 'm'}, {"yolov8.yaml", 'l'}, {"yolov8.yaml", 'x'},
      {"yolov9t.yaml", 0},  {"yolov9s.yaml", 0},  {"yolov9m.yaml", 0},  {"yolov9c.yaml", 0},  {"yolov9e.yaml", 0}};
  test::Oracle oracle("model_oracle.py", test::kVenvPython);
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& [file, s] : models) {
    nlohmann::json c = {{"yaml", dir + file}};
    if (s != 0) c["scale"] = std::string(1, s);
    cases.push_back(c);
  }
  oracle.run("summary", {{"cases", cases}});
  Context ctx;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const ModelConfig file = load_model_config(dir + models[i].first, {});
    Model model(ctx, parse_model_config(file.text, file.path, models[i].second));
    expect_summary_matches(model.summary(ctx), oracle, i);
  }
}

// The same against the YOLOv9 repository's model_info() for the models/detect/
// YAMLs its sdist's model code can build (all but t and s, whose ELAN1 it
// predates): layers (every module), parameters and gradients exactly, GFLOPs
// (thop 0.1's count at 640, with nearest upsampling) to 1e-6 relative.
TEST(ModelSummaryOracle, CountsEqualTheYolov9RepositoryForItsYamls) {
  const std::string dir = std::string(YOLO_TESTS_DIR) + "/../models/detect/";
  const std::vector<std::string> models = {"gelan-m.yaml",  "gelan-c.yaml",  "gelan-e.yaml",
                                           "yolov9-m.yaml", "yolov9-c.yaml", "yolov9-e.yaml"};
  test::Oracle oracle("model_oracle.py", test::kVenvPython);
  nlohmann::json cases = nlohmann::json::array();
  for (const std::string& file : models) cases.push_back({{"yaml", dir + file}});
  oracle.run("yolov9_repo_summary", {{"cases", cases}});
  Context ctx;
  for (std::size_t i = 0; i < models.size(); ++i) {
    Model model(ctx, load_model_config(dir + models[i], {}));
    expect_summary_matches(model.summary(ctx), oracle, i);
  }
}

// An ultralytics training checkpoint (.pt, weights pickled in half
// precision) converted by tools/convert: the model it loads into holds the
// same weights as the float32 originals rounded to half, bit for bit.
TEST(ConverterOracle, UltralyticsPtCheckpointLoadsTheHalfPrecisionWeights) {
  const std::string yaml = std::string(YOLO_TESTS_DIR) + "/../models/yolov8.yaml";
  test::Oracle oracle("model_oracle.py", test::kVenvPython);
  oracle.run("pt_checkpoint", {{"yaml", yaml}, {"scale", "n"}, {"nc", 7}, {"seed", 3}});
  Context ctx;
  const ModelConfig file = load_model_config(yaml, {});
  const ModelConfig config = parse_model_config(file.text, file.path, 'n', 7);
  Model from_pt(ctx, config), from_yaml(ctx, config);
  const CheckpointLoad loaded = load_checkpoint(ctx, from_pt, oracle.dir() + "/from_pt.safetensors");
  EXPECT_EQ(loaded.metadata.at("source"), "ultralytics");
  EXPECT_EQ(loaded.metadata.at("nc"), "7");
  load_checkpoint(ctx, from_yaml, oracle.dir() + "/from_yaml.safetensors");
  for (Parameter& p : from_yaml.store().parameters()) {
    Tensor half = ctx.empty(p.shape, DType::f16);
    copy_cast(ctx, p.value, half);
    copy_cast(ctx, half, p.value);
  }
  const Tensor& a = from_pt.store().values();
  const Tensor& b = from_yaml.store().values();
  EXPECT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()));
}

}  // namespace
}  // namespace yolo
