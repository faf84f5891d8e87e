#include "engine/optim/ema.h"

#include <cmath>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/optim/optimizer_impl.h"

namespace yolo {

ModelEma::ModelEma(const Context& ctx, ParameterStore& model, float decay, float tau, std::int64_t updates)
    : decay_(decay), tau_(tau), updates_(updates) {
  ParameterStore& m = model;
  YOLO_CHECK(m.allocated(), "EMA: the model's parameters are not allocated");
  values_ = ctx.empty(m.values().shape(), DType::f32);
  copy(ctx, m.values(), values_);
  if (m.buffer_values().defined()) {
    buffers_ = ctx.empty(m.buffer_values().shape(), DType::f32);
    copy(ctx, m.buffer_values(), buffers_);
  }
}

float ModelEma::update(const Context& ctx, ParameterStore& model) {
  ParameterStore& m = model;
  ++updates_;
  const float d = decay_ * static_cast<float>(1.0 - std::exp(-static_cast<double>(updates_) / tau_));
  dispatch_backend(ctx.device(), [&]<class B>() {
    OptimizerImpl<B>::ema(ctx, values_.numel(), EmaKernel{values_.data<float>(), m.values().data<float>(), d});
    if (buffers_.defined()) {
      OptimizerImpl<B>::ema(ctx, buffers_.numel(), EmaKernel{buffers_.data<float>(), m.buffer_values().data<float>(), d});
    }
  });
  return d;
}

void ModelEma::copy_to(const Context& ctx, ParameterStore& target) const {
  YOLO_CHECK(target.values().numel() == values_.numel(), "EMA: copying {} values into a model of {}", values_.numel(),
             target.values().numel());
  copy(ctx, values_, target.values());
  if (buffers_.defined()) copy(ctx, buffers_, target.buffer_values());
}

void ModelEma::restore(const Context& ctx, const ParameterStore& source, std::int64_t updates) {
  YOLO_CHECK(source.values().numel() == values_.numel(), "EMA: restoring {} values from a model of {}",
             values_.numel(), source.values().numel());
  copy(ctx, source.values(), values_);
  if (buffers_.defined()) copy(ctx, source.buffer_values(), buffers_);
  updates_ = updates;
}

}  // namespace yolo
