// Whole models against ultralytics (tests/oracle/model_oracle.py, run with
// the project's venv): ultralytics builds the model from our YAML with a
// fixed seed, the converter writes its weights as our checkpoint, and both
// sides run the same training forward, backward and eval forward.
//
// Tolerance 1e-4 relative to each tensor's scale (expect_close_to_scale):
// the figure for a whole model, where 60-odd layers of f32 sums in
// different orders (oneDNN's blocked kernels on both sides, but other
// algorithms) compound.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/graph/checkpoint.h"
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
  oracle.run("parity", {{"yaml", yaml}, {"scale", c.scale}, {"nc", c.nc}, {"seed", 0}, {"checkpoint", checkpoint}});

  Model ours(ctx, config);
  load_checkpoint(ctx, ours, checkpoint);
  ours.train(true);
  const Tensors out = ours.forward(ctx, image);
  ASSERT_EQ(out.size(), dys.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    test::expect_close_to_scale(out[i], oracle.get("out" + std::to_string(i)).to_tensor(ctx), 1e-4,
                                "training output " + std::to_string(i));
  ours.zero_grad(ctx);
  ours.backward(ctx, dys);
  int compared = 0;
  for (const Parameter& p : ours.store().parameters()) {
    if (!p.trainable()) continue;
    test::expect_close_to_scale(p.grad, oracle.get("grad." + p.name).to_tensor(ctx), 1e-4, "gradient of " + p.name);
    ++compared;
  }
  EXPECT_GT(compared, 100);
  ours.train(false);
  const Tensors eval = ours.forward(ctx, image);
  ASSERT_EQ(eval.size(), 1u);
  test::expect_close_to_scale(eval[0], oracle.get("eval").to_tensor(ctx), 1e-4, "eval output (boxes, scores)");
}

INSTANTIATE_TEST_SUITE_P(Models, ModelOracle,
                         ::testing::Values(ParityCase{"yolov8.yaml", "n", 80, 64},
                                           ParityCase{"yolov8.yaml", "s", 3, 96}),
                         [](const auto& info) { return std::string("yolov8") + info.param.scale; });

// The model summary's numbers against ultralytics' model.info() for every
// YOLOv8 scale: layers, parameters and gradients exactly, GFLOPs (thop's
// count at 640) to 1e-6 relative.
TEST(ModelSummaryOracle, CountsEqualUltralyticsForEveryYolov8Scale) {
  const std::string yaml = std::string(YOLO_TESTS_DIR) + "/../models/yolov8.yaml";
  const std::string scales = "nsmlx";
  test::Oracle oracle("model_oracle.py", test::kVenvPython);
  nlohmann::json cases = nlohmann::json::array();
  for (char s : scales) cases.push_back({{"yaml", yaml}, {"scale", std::string(1, s)}});
  oracle.run("summary", {{"cases", cases}});
  Context ctx;
  const ModelConfig file = load_model_config(yaml, {});
  for (std::size_t i = 0; i < scales.size(); ++i) {
    Model model(ctx, parse_model_config(file.text, file.path, scales[i]));
    const ModelSummary s = model.summary(ctx);
    const NpyArray counts = oracle.get(std::to_string(i) + "_counts");
    const std::int64_t* c = counts.as<std::int64_t>();
    SCOPED_TRACE(s.str());
    EXPECT_EQ(s.layers, c[0]);
    EXPECT_EQ(s.parameters, c[1]);
    EXPECT_EQ(s.gradients, c[2]);
    const double gflops = oracle.get(std::to_string(i) + "_gflops").as<float>()[0];
    EXPECT_NEAR(s.gflops, gflops, 1e-6 * gflops);
  }
}

}  // namespace
}  // namespace yolo
