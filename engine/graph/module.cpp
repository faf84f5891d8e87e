#include "engine/graph/module.h"

namespace yolo {

void Module::set_training(bool training) {
  training_ = training;
  for (Module* c : children_) c->set_training(training);
}

void Module::set_batchnorm_sync(BatchNormSync* sync) {
  for (Module* c : children_) c->set_batchnorm_sync(sync);
}

void Module::fuse(const Context& ctx) {
  for (Module* c : children_) c->fuse(ctx);
}

void Module::set_half_precision(const Context& ctx, DType dtype) {
  for (Module* c : children_) c->set_half_precision(ctx, dtype);
}

double Module::last_flops() const {
  double total = 0.0;
  for (const Module* c : children_) total += c->last_flops();
  return total;
}

void Module::collect_parameters(std::vector<Parameter*>& out) const {
  out.insert(out.end(), parameters_.begin(), parameters_.end());
  for (const Module* c : children_) c->collect_parameters(out);
}

unsigned Module::shared_leaves() const {
  unsigned bits = 0;
  for (const Module* c : children_) bits |= c->shared_leaves();
  return bits;
}

Tensors UnaryModule::forward(const Context& ctx, const Tensors& inputs) {
  YOLO_CHECK(inputs.size() == 1, "{} takes one input, got {}", type(), inputs.size());
  return {run(ctx, inputs[0])};
}

Tensors UnaryModule::backward(const Context& ctx, const Tensors& grad_outputs) {
  YOLO_CHECK(grad_outputs.size() == 1, "{} backward takes one gradient, got {}", type(), grad_outputs.size());
  return {run_backward(ctx, grad_outputs[0])};
}

int Module::torch_module_count() const {
  int n = 1;
  for (const Module* c : children_) n += c->torch_module_count();
  return n;
}

int Module::torch_layer_count() const {
  if (children_.empty()) return 1;
  int n = 0;
  for (const Module* c : children_) n += c->torch_layer_count();
  return n;
}

}  // namespace yolo
