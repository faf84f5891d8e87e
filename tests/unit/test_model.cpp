// The model graph on the CPU: YAML parsing and its errors, ultralytics'
// scaling rules, parameter counts, and a training step's shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/graph/model.h"
#include "engine/graph/modules/detect.h"
#include "engine/ops/elementwise.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using test::error_of;

const std::vector<std::string> kModelDirs = {YOLO_TESTS_DIR "/../models", YOLO_TESTS_DIR "/../models/detect"};

TEST(ModelConfig, ScaleLetterPicksTheScaleOfTheSharedFile) {
  const ModelConfig n = load_model_config("yolov8n.yaml", kModelDirs);
  EXPECT_EQ(n.scale.letter, 'n');
  EXPECT_DOUBLE_EQ(n.scale.depth, 0.33);
  EXPECT_DOUBLE_EQ(n.scale.width, 0.25);
  EXPECT_EQ(n.stem, "yolov8n");
  EXPECT_EQ(n.rows.size(), 23u);
  EXPECT_EQ(n.rows[11].from, (std::vector<int>{10, 6}));
  const ModelConfig s = load_model_config("yolov8s.yaml", kModelDirs, 3);
  EXPECT_EQ(s.scale.letter, 's');
  EXPECT_EQ(s.nc, 3);
  EXPECT_EQ(s.rows.back().args[0].integer, 3) << "'nc' in the Detect row resolves to the override";
}

TEST(ModelConfig, WithoutALetterTheYamlsScaleKeyOrItsFirstScale) {
  const ModelConfig first = load_model_config(YOLO_TESTS_DIR "/../models/yolov8.yaml", {});
  EXPECT_EQ(first.scale.letter, 'n');  // ultralytics: the first scale listed
  EXPECT_DOUBLE_EQ(first.scale.depth, 0.33);
  EXPECT_DOUBLE_EQ(first.scale.width, 0.25);
  EXPECT_EQ(first.scale.max_channels, 1024);
  const ModelConfig keyed = parse_model_config("scale: m\n" + first.text, "keyed.yaml", 0);
  EXPECT_EQ(keyed.scale.letter, 'm');
  EXPECT_DOUBLE_EQ(keyed.scale.depth, 0.67);
  EXPECT_EQ(keyed.scale.max_channels, 768);
}

TEST(ModelConfig, ErrorsNameTheFileAndTheRow) {
  const std::string base = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n";
  EXPECT_NE(error_of([&] {
              parse_model_config(base + "  - [[-1, 5], 1, Concat, [1]]\n", "bad.yaml", 0);
            }).find("bad.yaml, head row 0 (layer 1): from index 5 does not name an earlier layer"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_model_config(base + "  - [-1, 1, Conv]\n", "bad.yaml", 0);
            }).find("expected [from, repeats, module, args]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_model_config("nc: 0\nbackbone: []\nhead: []\n", "bad.yaml", 0);
            }).find("nc must be positive"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_model_config("nc: [1\n", "bad.yaml", 0); }).find("not valid YAML"), std::string::npos);
  Context ctx;
  EXPECT_NE(error_of([&] {
              Model(ctx, parse_model_config(base + "  - [-1, 1, Frobnicate, [1]]\n", "bad.yaml", 0));
            }).find("layer 1 (Frobnicate): unknown module 'Frobnicate'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_model_config("no-such-model.yaml", kModelDirs); }).find("not found"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              Model(ctx, parse_model_config(base + "  - [-1, 1, Bottleneck, [16, True, 1, [1, 3]]]\n"
                                                   "  - [-1, 1, Detect, [nc]]\n",
                                            "bad.yaml", 0));
            }).find("kernels other than (3, 3)"),
            std::string::npos);
}

TEST(Model, Yolov8nHasUltralyticsParameterCounts) {
  Context ctx;
  Model model(ctx, load_model_config("yolov8n.yaml", kModelDirs));
  const ModelSummary s = model.summary(ctx);
  // ultralytics 8.4.190's printed summary of yolov8n.yaml (80 classes).
  EXPECT_EQ(s.parameters, 3157200);
  EXPECT_EQ(s.gradients, 3157184);
  EXPECT_EQ(s.layers, 129);
  EXPECT_NEAR(s.gflops, 8.9, 0.05) << s.str();
  EXPECT_EQ(model.strides(), (std::vector<float>{8, 16, 32}));
}

// The YOLOv9 repository's own summaries of its models/detect YAMLs
// (WongKinYiu/yolov9@5b1ea9a: models/yolo.py and utils/torch_utils.model_info,
// thop 0.1.1, recorded in tools/reference/model_info.py, which checks that the
// rows are unchanged): layers, parameters, gradients, GFLOPs at 640.
TEST(Model, Yolov9RepositoryYamlsHaveItsSummaryNumbers) {
  struct Reference {
    const char* file;
    int layers;
    std::int64_t params, gradients;
    double gflops;
  };
  const Reference refs[] = {
      {"yolov9-t.yaml", 1219, 3717680, 3717648, 16.5254144},    {"yolov9-s.yaml", 1219, 9804512, 9804480, 39.9471616},
      {"yolov9-m.yaml", 938, 32878432, 32878400, 133.022464},   {"yolov9-c.yaml", 962, 51182080, 51182048, 239.876608},
      {"yolov9-e.yaml", 1475, 69529664, 69529632, 245.5254016}, {"gelan-t.yaml", 920, 2442640, 2442624, 10.0780544},
      {"gelan-s.yaml", 920, 7226208, 7226192, 27.0391808},      {"gelan-m.yaml", 606, 20124000, 20123984, 77.3504256},
      {"gelan-c.yaml", 621, 25498752, 25498736, 103.5065856},   {"gelan-e.yaml", 1228, 58114432, 58114416, 192.4995584},
  };
  Context ctx;
  for (const Reference& r : refs) {
    Model model(ctx, load_model_config(r.file, kModelDirs));
    const ModelSummary s = model.summary(ctx);
    SCOPED_TRACE(s.str());
    EXPECT_EQ(s.layers, r.layers);
    EXPECT_EQ(s.parameters, r.params);
    EXPECT_EQ(s.gradients, r.gradients);
    EXPECT_NEAR(s.gflops, r.gflops, 1e-6 * r.gflops);
  }
}

TEST(Model, TrainingStepShapesAndGradients) {
  Context ctx;
  Model model(ctx, load_model_config("yolov8n.yaml", kModelDirs, 3));
  Tensor image = test::random_uniform(ctx, {2, 64, 96, 3}, 41, 0.0f, 1.0f);
  model.train(true);
  const Tensors out = model.forward(ctx, image);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].shape(), Shape({2, 8, 12, 67}));
  EXPECT_EQ(out[1].shape(), Shape({2, 4, 6, 67}));
  EXPECT_EQ(out[2].shape(), Shape({2, 2, 3, 67}));
  Tensors grads;
  for (const Tensor& o : out) {
    Tensor g = ctx.empty(o.shape(), DType::f32);
    fill(ctx, g, 1e-3);
    grads.push_back(g);
  }
  model.zero_grad(ctx);
  int reported = 0;
  model.backward(ctx, grads, [&](const std::vector<Parameter*>& ps) { reported += static_cast<int>(ps.size()); });
  EXPECT_EQ(reported, static_cast<int>(model.store().parameters().size()));
  // Every trainable parameter got a gradient; the DFL projection none.
  for (const Parameter& p : model.store().parameters()) {
    const std::vector<float> g = test::host_floats(ctx, p.grad);
    double norm = 0.0;
    for (float v : g) norm += static_cast<double>(v) * v;
    if (p.trainable()) {
      EXPECT_GT(norm, 0.0) << p.name;
    } else {
      EXPECT_EQ(norm, 0.0) << p.name;
    }
  }
}

// YOLOv9's programmable gradient information: the auxiliary branch only
// trains. Stripping it (as the YOLOv9 repository's re-parameterisation does:
// rows 0-21 kept, the dual head's main half cv4/cv5/dfl2 renamed to the
// single head's cv2/cv3/dfl) gives gelan-s, whose output must be the dual
// model's main-head output bit for bit.
TEST(Model, StrippedDualModelIsGelanBitForBit) {
  Context ctx(Device::cpu(), ContextOptions{0, 5});
  Model dual(ctx, load_model_config("yolov9-s.yaml", kModelDirs, 3));
  Model gelan(ctx, load_model_config("gelan-s.yaml", kModelDirs, 3));
  fill_uniform(ctx, dual.store().buffer_values(), 0.5f, 1.5f);  // running statistics that matter in eval
  auto dual_name = [](std::string name) {
    const std::string head = "model.22.";
    if (name.rfind(head, 0) != 0) return name;
    std::string rest = name.substr(head.size());
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"cv2.", "cv4."}, {"cv3.", "cv5."}, {"dfl.", "dfl2."}})
      if (rest.rfind(from, 0) == 0) return "model.29." + to + rest.substr(from.size());
    return name;
  };
  int copied = 0;
  for (Parameter& p : gelan.store().parameters()) {
    Parameter* src = dual.store().find_parameter(dual_name(p.name));
    ASSERT_NE(src, nullptr) << p.name;
    ASSERT_EQ(src->shape, p.shape) << p.name;
    copy_cast(ctx, src->value, p.value);
    ++copied;
  }
  for (Buffer& b : gelan.store().buffers()) {
    Buffer* src = dual.store().find_buffer(dual_name(b.name));
    ASSERT_NE(src, nullptr) << b.name;
    copy_cast(ctx, src->value, b.value);
  }
  EXPECT_LT(gelan.store().parameter_count(), dual.store().parameter_count());
  Tensor image = test::random_uniform(ctx, {2, 64, 64, 3}, 51, 0.0f, 1.0f);
  dual.train(false);
  gelan.train(false);
  const Tensor a = dual.forward(ctx, image).at(0), b = gelan.forward(ctx, image).at(0);
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(0, std::memcmp(a.raw_data(), b.raw_data(), a.nbytes())) << "main head of the dual model vs gelan";

  // Training: the auxiliary branch gets gradients too (that is its purpose).
  dual.train(true);
  const Tensors out = dual.forward(ctx, image);
  ASSERT_EQ(out.size(), 6u) << "3 auxiliary levels, then 3 main levels";
  Tensors grads;
  for (const Tensor& o : out) {
    Tensor g = ctx.empty(o.shape(), DType::f32);
    fill(ctx, g, 1e-3);
    grads.push_back(g);
  }
  dual.zero_grad(ctx);
  dual.backward(ctx, grads);
  int auxiliary = 0;
  for (const Parameter& p : dual.store().parameters()) {
    if (!p.trainable()) continue;
    const std::vector<float> g = test::host_floats(ctx, p.grad);
    double norm = 0.0;
    for (float v : g) norm += static_cast<double>(v) * v;
    EXPECT_GT(norm, 0.0) << p.name;
    const int row = std::stoi(p.name.substr(6, p.name.find('.', 6) - 6));
    if ((row >= 22 && row <= 28) || p.name.rfind("model.29.cv2.", 0) == 0 || p.name.rfind("model.29.cv3.", 0) == 0)
      ++auxiliary;
  }
  EXPECT_GT(auxiliary, 50);
}

TEST(Model, FusedBatchNormsGiveTheSameEvalOutputs) {
  // Batch norms with statistics away from their initial ones (a few
  // training forwards), then the eval output with and without folding.
  Context ctx;
  Model model(ctx, load_model_config("yolov8n.yaml", kModelDirs, 3));
  for (std::uint32_t k = 0; k < 3; ++k) model.forward(ctx, test::random_uniform(ctx, {2, 64, 64, 3}, 50 + k, 0, 1));
  model.train(false);
  const Tensor image = test::random_uniform(ctx, {2, 96, 64, 3}, 60, 0, 1);
  const Tensor plain = model.forward(ctx, image)[0];
  model.fuse(ctx);
  const Tensor fused = model.forward(ctx, image)[0];
  test::expect_close_to_scale(fused, plain, 1e-5, "eval output with folded batch norms");
  model.train(true);
  EXPECT_NO_THROW(model.forward(ctx, image)) << "training forwards ignore the folded copy";
}

TEST(Model, HalfPrecisionInferenceStaysCloseToFloat) {
  // bf16 on the CPU (--half there): 8 mantissa bits, so the decoded boxes
  // and scores agree with f32 to about 1% of their scale, not to the last digit.
  Context ctx;
  Model model(ctx, load_model_config("yolov8n.yaml", kModelDirs, 3));
  for (std::uint32_t k = 0; k < 3; ++k) model.forward(ctx, test::random_uniform(ctx, {2, 64, 64, 3}, 70 + k, 0, 1));
  model.train(false);
  model.fuse(ctx);
  const Tensor image = test::random_uniform(ctx, {2, 64, 96, 3}, 80, 0, 1);
  const Tensor full = model.forward(ctx, image)[0];
  model.set_half_precision(ctx, half_precision_for(ctx.device()));
  const Tensor half = model.forward(ctx, image)[0];
  EXPECT_EQ(half.dtype(), DType::f32) << "outputs come back in f32";
  test::expect_close_to_scale(half, full, 3e-2, "bf16 inference against f32");
  model.set_half_precision(ctx, DType::f32);
  test::expect_close_to_scale(model.forward(ctx, image)[0], full, 1e-6, "back to f32");
}

TEST(Model, BackwardNeedsTheTrainingForwardJustBeforeIt) {
  Context ctx;
  Model model(ctx, load_model_config("yolov8n.yaml", kModelDirs, 2));
  Tensor image = test::random_uniform(ctx, {1, 64, 64, 3}, 61, 0.0f, 1.0f);
  model.train(true);
  const Tensors out = model.forward(ctx, image);
  Tensors grads;
  for (const Tensor& o : out) grads.push_back(ctx.zeros(o.shape(), DType::f32));
  Tensors too_few(grads.begin(), grads.begin() + 2);
  EXPECT_NE(error_of([&] { model.backward(ctx, too_few); }).find("got 2 gradients for 3 outputs"), std::string::npos);
  model.summary(ctx);  // an eval forward in between
  EXPECT_NE(error_of([&] { model.backward(ctx, grads); }).find("needs a training forward just before it"),
            std::string::npos);
  model.forward(ctx, image);
  EXPECT_EQ(error_of([&] { model.backward(ctx, grads); }), "");
  EXPECT_NE(error_of([&] { model.backward(ctx, grads); }).find("needs a training forward"), std::string::npos)
      << "a second backward for one forward";
}

TEST(Model, ConvBiasesStartLikePyTorchs) {
  // yolov9-c's CBLinear convs (rows 23-25) have biases that Detect's bias_init does not touch.
  Context ctx;
  Model model(ctx, load_model_config("yolov9-c.yaml", kModelDirs));
  const Parameter* w = model.store().find_parameter("model.25.conv.weight");
  const Parameter* b = model.store().find_parameter("model.25.conv.bias");
  ASSERT_NE(w, nullptr);
  ASSERT_NE(b, nullptr);
  const double bound = 1.0 / std::sqrt(static_cast<double>(w->shape.numel() / w->shape[0]));
  const std::vector<float> v = test::host_floats(ctx, b->value);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  EXPECT_GE(*lo, -bound);
  EXPECT_LT(*hi, bound);
  EXPECT_LT(*lo, -bound / 2) << "not zero-initialised";
  EXPECT_GT(*hi, bound / 2);
}

TEST(ParameterStore, BucketsAreContiguousSlicesInReverseOrder) {
  Context ctx;
  ParameterStore store;
  store.add_parameter("a", {1000}, ParameterRole::weight);  // 4000 bytes
  store.add_parameter("b", {10}, ParameterRole::bias);
  store.add_parameter("c", {16}, ParameterRole::fixed);
  store.add_parameter("d", {500}, ParameterRole::weight);
  store.add_parameter("e", {300}, ParameterRole::weight);
  store.allocate(ctx);
  // Reverse registration order: e, d, c, b, a at ascending offsets.
  EXPECT_EQ(store.find_parameter("e")->offset, 0);
  EXPECT_EQ(store.find_parameter("d")->offset, 300);
  EXPECT_EQ(store.find_parameter("a")->offset, 300 + 500 + 16 + 10);
  store.assign_buckets(/*bucket_bytes=*/3000, /*first_bucket_bytes=*/1000);
  const auto& b = store.buckets();
  // Like PyTorch DDP: a bucket takes parameters until its size reaches the
  // limit, the one that crosses it included.
  ASSERT_EQ(b.size(), 2u);
  // First bucket: e (1200 bytes) reaches 1000 at once.
  EXPECT_EQ(b[0].offset, 0);
  EXPECT_EQ(b[0].numel, 300);
  EXPECT_EQ(b[0].parameters.size(), 1u);
  // Second: d (2000 bytes), b (2040 < 3000), a (6040): the fixed c lies
  // inside the slice but is not one of its parameters.
  EXPECT_EQ(b[1].offset, 300);
  EXPECT_EQ(b[1].numel, 500 + 16 + 10 + 1000);
  EXPECT_EQ(b[1].parameters.size(), 3u);
  store.assign_buckets(/*bucket_bytes=*/2000, /*first_bucket_bytes=*/1000);
  ASSERT_EQ(store.buckets().size(), 3u) << "d alone fills a 2000-byte bucket";
  EXPECT_EQ(store.buckets()[2].offset, 300 + 500 + 16) << "the fixed c between buckets belongs to none";
  EXPECT_EQ(store.find_parameter("c")->bucket, -1);
  EXPECT_EQ(store.parameter_count(), 1826);
  EXPECT_EQ(store.trainable_count(), 1810);
}

}  // namespace
}  // namespace yolo
