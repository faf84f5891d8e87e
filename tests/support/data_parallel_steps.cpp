#include "tests/support/data_parallel_steps.h"

#include <algorithm>

#include "engine/core/copy.h"
#include "engine/ops/elementwise.h"
#include "tests/support/test_support.h"

namespace yolo::test {

Step make_step(const Context& ctx, std::uint32_t seed) {
  const Context host;
  Step step;
  step.images = to_device(ctx, random_uniform(host, {4, 64, 64, 3}, seed, 0, 1));
  for (int h = 0; h < 2; ++h) {
    Tensor boxes = host.empty({2, 1, 4}, DType::f32), labels = host.empty({2, 1}, DType::i32);
    Tensor valid = host.empty({2, 1}, DType::u8);
    for (int b = 0; b < 2; ++b) {
      const float x = static_cast<float>(8 + 10 * b + 5 * h + seed % 7);
      const float box[4] = {x, x + 2, x + 24, x + 30};
      std::copy(box, box + 4, boxes.data<float>() + 4 * b);
      labels.data<std::int32_t>()[b] = (b + h) % 2;
      valid.data<std::uint8_t>()[b] = 1;
    }
    step.halves[h] = {to_device(ctx, boxes), to_device(ctx, labels), to_device(ctx, valid)};
  }
  return step;
}

void backward_half(const Context& ctx, Model& model, const Step& step, int half, float factor,
                   const GradReadyHook& hook) {
  const Tensor images = step.images.slice(0, 2 * half, 2 * half + 2);
  const Tensors outputs = model.forward(ctx, images);
  std::vector<Tensor> grads;
  detection_loss(ctx, outputs, model.strides(), step.halves[half], DetectionLossOptions{}, grads);
  for (Tensor& g : grads) scale(ctx, factor, g, g);
  model.backward(ctx, grads, hook);
}

void sgd_step(const Context& ctx, Model& model, Optimizer& optimizer) {
  clip_grad_norm(ctx, model.store(), 10.0f);
  optimizer.step(ctx, {0.01f, 0.01f, 0.01f});
  model.zero_grad(ctx);
}

}  // namespace yolo::test
