// The fused SGD (Nesterov) and AdamW steps over flat buffers against
// torch.optim with ultralytics' three parameter groups, over 20 steps with
// per-group learning rates changing every step (as the warmup does). torch
// runs in f64: the engine's f32 steps stay within 1e-5 relative.
#include <gtest/gtest.h>

#include <random>

#include "engine/core/copy.h"
#include "engine/optim/optimizer.h"
#include "tests/support/oracle.h"

namespace yolo {
namespace {

constexpr int kSteps = 20;

void check(OptimizerType type) {
  const Context ctx;
  ParameterStore store;
  Parameter& w = store.add_parameter("w", {4, 3}, ParameterRole::weight);
  Parameter& g = store.add_parameter("g", {5}, ParameterRole::bn_weight);
  Parameter& b = store.add_parameter("b", {5}, ParameterRole::bias);
  Parameter& f = store.add_parameter("f", {2}, ParameterRole::fixed);
  store.allocate(ctx);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Parameter* params[3] = {&w, &g, &b};
  const char* names[3] = {"weight", "bn_weight", "bias"};
  test::Oracle oracle("optimizer_oracle.py");
  std::vector<Tensor> grads;
  for (int k = 0; k < 3; ++k) {
    for (std::int64_t i = 0; i < params[k]->value.numel(); ++i) params[k]->value.data<float>()[i] = normal(rng);
    oracle.put(std::string(names[k]) + "_init", to_host(ctx, params[k]->value));
    grads.push_back(ctx.empty({kSteps, params[k]->value.numel()}, DType::f32));
    for (std::int64_t i = 0; i < grads.back().numel(); ++i) grads.back().data<float>()[i] = normal(rng);
    oracle.put(std::string(names[k]) + "_grads", grads.back());
  }
  f.value.data<float>()[0] = 7.0f, f.value.data<float>()[1] = -7.0f;
  Tensor lrs = ctx.empty({kSteps, 3}, DType::f32);
  OptimizerOptions options;
  options.type = type;
  options.momentum = type == OptimizerType::sgd ? 0.937f : 0.9f;
  options.weight_decay = type == OptimizerType::sgd ? 5e-4f : 0.05f;
  Optimizer optimizer(ctx, store, options);
  for (int s = 0; s < kSteps; ++s) {
    const GroupLearningRates lr = {0.01f * (s + 1) / kSteps, 0.02f - 0.0005f * s, 0.1f - 0.004f * s};
    for (int k = 0; k < 3; ++k) {
      lrs.data<float>()[s * 3 + k] = lr[k];
      const std::int64_t n = params[k]->value.numel();
      std::copy(grads[k].data<float>() + s * n, grads[k].data<float>() + (s + 1) * n, params[k]->grad.data<float>());
    }
    f.grad.data<float>()[0] = 1.0f;  // a fixed parameter's gradient must be ignored
    optimizer.step(ctx, lr);
  }
  oracle.put("lrs", lrs);
  oracle.run("optimize", {{"type", type == OptimizerType::sgd ? "sgd" : "adamw"},
                          {"momentum", options.momentum},
                          {"weight_decay", options.weight_decay}});
  for (int k = 0; k < 3; ++k) {
    const NpyArray ref = oracle.get(names[k]);
    const float* r = ref.as<float>();
    for (std::int64_t i = 0; i < params[k]->value.numel(); ++i) {
      const float v = params[k]->value.data<float>()[i];
      EXPECT_NEAR(v, r[i], 1e-5 * std::max(1.0f, std::abs(r[i]))) << names[k] << "[" << i << "]";
    }
  }
  EXPECT_EQ(f.value.data<float>()[0], 7.0f);
  EXPECT_EQ(optimizer.steps(), kSteps);
}

TEST(OptimizerOracle, SgdNesterovMatchesTorch) { check(OptimizerType::sgd); }
TEST(OptimizerOracle, AdamWMatchesTorch) { check(OptimizerType::adamw); }

// Gradient clipping: above the limit (scaled down) and below it (unchanged).
TEST(OptimizerOracle, ClipGradNormMatchesTorch) {
  for (const float scale : {1.0f, 0.001f}) {
    const Context ctx;
    ParameterStore store;
    store.add_parameter("w", {300}, ParameterRole::weight);
    store.add_parameter("b", {40}, ParameterRole::bias);
    store.allocate(ctx);
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, scale);
    for (std::int64_t i = 0; i < store.grads().numel(); ++i) store.grads().data<float>()[i] = normal(rng);
    test::Oracle oracle("optimizer_oracle.py");
    oracle.put("grads", to_host(ctx, store.grads()));
    oracle.run("clip", {{"max_norm", 10.0}});
    const Tensor norm = clip_grad_norm(ctx, store, 10.0f);
    EXPECT_NEAR(norm.data<float>()[0], oracle.get("norm").as<float>()[0], 1e-5 * oracle.get("norm").as<float>()[0]);
    const NpyArray ref = oracle.get("clipped");
    for (std::int64_t i = 0; i < store.grads().numel(); ++i) {
      EXPECT_NEAR(store.grads().data<float>()[i], ref.as<float>()[i], 1e-6 * scale) << i;
    }
  }
}

}  // namespace
}  // namespace yolo
