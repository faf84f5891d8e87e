#pragma once
// defines: ModelEma, ultralytics' exponential moving average of a model's
// parameters and batch-norm statistics, as flat buffers beside the model's:
// ema = d ema + (1 - d) model, d = decay (1 - exp(-updates / tau)), so that
// early on the average follows the model closely.
#include <cstdint>

#include "engine/graph/parameter_store.h"

namespace yolo {

class ModelEma {
 public:
  // Starts equal to the model (ultralytics deep-copies it).
  ModelEma(const Context& ctx, ParameterStore& model, float decay = 0.9999f, float tau = 2000.0f,
           std::int64_t updates = 0);

  // One update after an optimizer step; returns the d used.
  float update(const Context& ctx, ParameterStore& model);
  // Copies the average into `target` (a model of the same layout: to
  // validate or save it).
  void copy_to(const Context& ctx, ParameterStore& target) const;
  // --resume: the average from `source` (a model of the same layout holding
  // a saved EMA) and the update count it had reached.
  void restore(const Context& ctx, const ParameterStore& source, std::int64_t updates);

  std::int64_t updates() const { return updates_; }
  const Tensor& values() const { return values_; }
  const Tensor& buffers() const { return buffers_; }

 private:
  Tensor values_, buffers_;
  float decay_, tau_;
  std::int64_t updates_;
};

}  // namespace yolo
