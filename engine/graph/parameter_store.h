#pragma once
// defines: Parameter, Buffer, GradientBucket, ParameterStore: every
// parameter, gradient and buffer of a model in flat f32 buffers, with a view
// per tensor. Modules declare their tensors while the model is built; then
// allocate() lays them out and hands out the views.
//
// Layout: parameters sit in the flat buffers in reverse registration order,
// which is about the order backward produces their gradients. A gradient
// bucket (the unit of the data-parallel all-reduce) is then a contiguous
// slice of the gradient buffer: reducing it needs no copy.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engine/core/context.h"

namespace yolo {

// What the optimizer does with a parameter (ultralytics' three groups).
enum class ParameterRole {
  weight,     // conv weights: SGD with weight decay
  bn_weight,  // batch-norm gamma: no decay
  bias,       // conv biases and batch-norm beta: no decay
  fixed,      // not trained (DFL's projection 0..15): counted, never updated
};

struct Parameter {
  std::string name;  // ultralytics' state_dict key, e.g. "model.0.conv.weight"
  Shape shape;       // engine layout: conv weights (O, KH, KW, C / groups)
  ParameterRole role = ParameterRole::weight;
  std::int64_t offset = 0;  // in elements, in the flat buffers
  int bucket = -1;          // gradient bucket, after assign_buckets()
  Tensor value, grad;       // views, after allocate()
  bool trainable() const { return role != ParameterRole::fixed; }
};

// Non-trained state that checkpoints keep (batch-norm running statistics).
struct Buffer {
  std::string name;
  Shape shape;
  float initial_value = 0.0f;
  Tensor value;
};

struct GradientBucket {
  std::int64_t offset = 0, numel = 0;  // a slice of the flat gradient buffer
  std::vector<Parameter*> parameters;  // in the order backward reaches them
};

class ParameterStore {
 public:
  ParameterStore() = default;
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  // Declarations, before allocate(). Names must be unique.
  Parameter& add_parameter(std::string name, Shape shape, ParameterRole role);
  Buffer& add_buffer(std::string name, Shape shape, float initial_value);

  // Lays out and allocates the flat buffers on ctx's device, sets every
  // view, zeroes the gradients and fills each buffer with its initial value.
  // Parameter values are left for the model's initialiser.
  void allocate(const Context& ctx);
  bool allocated() const { return values_.defined(); }

  // Buckets of about bucket_bytes of gradients (the first, which backward
  // fills first, of first_bucket_bytes), over the trainable parameters in
  // reverse registration order. A parameter is never split.
  void assign_buckets(std::size_t bucket_bytes, std::size_t first_bucket_bytes);
  const std::vector<GradientBucket>& buckets() const { return buckets_; }

  std::deque<Parameter>& parameters() { return parameters_; }
  const std::deque<Parameter>& parameters() const { return parameters_; }
  std::deque<Buffer>& buffers() { return buffers_; }
  const std::deque<Buffer>& buffers() const { return buffers_; }
  Parameter* find_parameter(const std::string& name);
  Buffer* find_buffer(const std::string& name);

  Tensor& values() { return values_; }  // every parameter, flat
  Tensor& grads() { return grads_; }    // their gradients, flat
  Tensor& buffer_values() { return buffer_values_; }
  const Tensor& values() const { return values_; }
  const Tensor& grads() const { return grads_; }
  const Tensor& buffer_values() const { return buffer_values_; }

  std::int64_t parameter_count() const;  // all elements (ultralytics' "parameters")
  std::int64_t trainable_count() const;  // ultralytics' "gradients"

 private:
  std::deque<Parameter> parameters_;  // deque: modules keep pointers
  std::deque<Buffer> buffers_;
  std::vector<GradientBucket> buckets_;
  Tensor values_, grads_, buffer_values_;
};

}  // namespace yolo
