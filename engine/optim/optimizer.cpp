#include "engine/optim/optimizer.h"

#include <cmath>
#include <cstring>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/optim/optimizer_impl.h"

namespace yolo {
namespace {

std::uint8_t group_of(ParameterRole role) {
  switch (role) {
    case ParameterRole::weight:
      return kGroupDecay;
    case ParameterRole::bn_weight:
      return kGroupBnWeight;
    case ParameterRole::bias:
      return kGroupBias;
    case ParameterRole::fixed:
      break;
  }
  return kGroupFixed;
}

Tensor zeros_like(const Context& ctx, const Tensor& t) { return ctx.zeros(t.shape(), DType::f32); }

}  // namespace

Optimizer::Optimizer(const Context& ctx, ParameterStore& store, OptimizerOptions options)
    : store_(store), options_(options) {
  YOLO_CHECK(store.allocated(), "optimizer: the model's parameters are not allocated");
  YOLO_CHECK(options.momentum >= 0.0f && options.momentum < 1.0f && options.weight_decay >= 0.0f,
             "optimizer: momentum {} and weight decay {} out of range", options.momentum, options.weight_decay);
  const std::int64_t n = store.values().numel();
  const Context host;
  Tensor groups = host.empty({n}, DType::u8);
  std::memset(groups.data<std::uint8_t>(), kGroupFixed, static_cast<std::size_t>(n));
  for (const Parameter& p : store.parameters()) {
    std::memset(groups.data<std::uint8_t>() + p.offset, group_of(p.role), static_cast<std::size_t>(p.shape.numel()));
  }
  group_ = to_device(ctx, groups);
  first_ = zeros_like(ctx, store.values());
  if (options.type == OptimizerType::adamw) second_ = zeros_like(ctx, store.values());
}

void Optimizer::step(const Context& ctx, const GroupLearningRates& lr) {
  const std::int64_t n = store_.values().numel();
  const GroupRates rates{{lr[0], lr[1], lr[2]}};
  ++steps_;
  dispatch_backend(ctx.device(), [&]<class B>() {
    if (options_.type == OptimizerType::sgd) {
      OptimizerImpl<B>::sgd(ctx, n,
                            SgdKernel{store_.values().data<float>(), store_.grads().data<float>(), first_.data<float>(),
                                      group_.data<std::uint8_t>(), rates, options_.momentum, options_.weight_decay,
                                      options_.nesterov});
    } else {
      const auto t = static_cast<double>(steps_);
      OptimizerImpl<B>::adamw(
          ctx, n,
          AdamWKernel{store_.values().data<float>(), store_.grads().data<float>(), first_.data<float>(),
                      second_.data<float>(), group_.data<std::uint8_t>(), rates, options_.momentum, options_.beta2,
                      options_.eps, options_.weight_decay,
                      static_cast<float>(1.0 - std::pow(static_cast<double>(options_.momentum), t)),
                      static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta2), t))});
    }
  });
}

Tensor clip_grad_norm(const Context& ctx, ParameterStore& store, float max_norm) {
  YOLO_CHECK(max_norm > 0.0f, "clip_grad_norm: max_norm {} must be positive", max_norm);
  Tensor norm = ctx.empty({1}, DType::f32);
  dispatch_backend(ctx.device(), [&]<class B>() {
    OptimizerImpl<B>::clip_grad_norm(ctx, store.grads().data<float>(), store.grads().numel(), max_norm,
                                     norm.data<float>());
  });
  return norm;
}

}  // namespace yolo
