#include "engine/graph/module.h"

namespace yolo {

void Module::set_training(bool training) {
  training_ = training;
  for (Module* c : children_) c->set_training(training);
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

int Module::torch_layer_count() const {
  if (children_.empty()) return 1;
  int n = 0;
  for (const Module* c : children_) n += c->torch_layer_count();
  return n;
}

}  // namespace yolo
