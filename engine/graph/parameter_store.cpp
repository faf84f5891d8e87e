#include "engine/graph/parameter_store.h"

#include "engine/ops/elementwise.h"

namespace yolo {

Parameter& ParameterStore::add_parameter(std::string name, Shape shape, ParameterRole role) {
  YOLO_CHECK(!allocated(), "parameter {} declared after the store was allocated", name);
  YOLO_CHECK(find_parameter(name) == nullptr && find_buffer(name) == nullptr, "parameter {} declared twice", name);
  Parameter& p = parameters_.emplace_back();
  p.name = std::move(name);
  p.shape = shape;
  p.role = role;
  return p;
}

Buffer& ParameterStore::add_buffer(std::string name, Shape shape, float initial_value) {
  YOLO_CHECK(!allocated(), "buffer {} declared after the store was allocated", name);
  YOLO_CHECK(find_parameter(name) == nullptr && find_buffer(name) == nullptr, "buffer {} declared twice", name);
  Buffer& b = buffers_.emplace_back();
  b.name = std::move(name);
  b.shape = shape;
  b.initial_value = initial_value;
  return b;
}

void ParameterStore::allocate(const Context& ctx) {
  YOLO_CHECK(!allocated(), "the parameter store is already allocated");
  std::int64_t total = 0;
  for (auto it = parameters_.rbegin(); it != parameters_.rend(); ++it) {
    it->offset = total;
    total += it->shape.numel();
  }
  values_ = ctx.empty({std::max<std::int64_t>(total, 1)}, DType::f32);
  grads_ = ctx.zeros({std::max<std::int64_t>(total, 1)}, DType::f32);
  for (Parameter& p : parameters_) {
    p.value = values_.slice(0, p.offset, p.offset + p.shape.numel()).view(p.shape);
    p.grad = grads_.slice(0, p.offset, p.offset + p.shape.numel()).view(p.shape);
  }
  std::int64_t buffer_total = 0;
  for (const Buffer& b : buffers_) buffer_total += b.shape.numel();
  buffer_values_ = ctx.empty({std::max<std::int64_t>(buffer_total, 1)}, DType::f32);
  std::int64_t offset = 0;
  for (Buffer& b : buffers_) {
    b.value = buffer_values_.slice(0, offset, offset + b.shape.numel()).view(b.shape);
    fill(ctx, b.value, b.initial_value);
    offset += b.shape.numel();
  }
}

void ParameterStore::assign_buckets(std::size_t bucket_bytes, std::size_t first_bucket_bytes) {
  YOLO_CHECK(allocated(), "assign_buckets before allocate: offsets are not known yet");
  YOLO_CHECK(bucket_bytes > 0 && first_bucket_bytes > 0, "gradient buckets need a positive size");
  buckets_.clear();
  bool open = false;
  std::size_t open_bytes = 0;
  // Reverse registration order is ascending offset order (see allocate).
  for (auto it = parameters_.rbegin(); it != parameters_.rend(); ++it) {
    Parameter& p = *it;
    if (!p.trainable()) continue;
    if (!open) {
      GradientBucket& b = buckets_.emplace_back();
      b.offset = p.offset;
      open = true;
      open_bytes = 0;
    }
    GradientBucket& b = buckets_.back();
    // Like PyTorch DDP: a bucket takes parameters until it reaches its size.
    // Fixed parameters between two trainable ones stay inside the slice.
    b.numel = p.offset + p.shape.numel() - b.offset;
    b.parameters.push_back(&p);
    p.bucket = static_cast<int>(buckets_.size()) - 1;
    open_bytes += static_cast<std::size_t>(p.shape.numel()) * sizeof(float);
    if (open_bytes >= (buckets_.size() == 1 ? first_bucket_bytes : bucket_bytes)) open = false;
  }
}

Parameter* ParameterStore::find_parameter(const std::string& name) {
  for (Parameter& p : parameters_)
    if (p.name == name) return &p;
  return nullptr;
}

Buffer* ParameterStore::find_buffer(const std::string& name) {
  for (Buffer& b : buffers_)
    if (b.name == name) return &b;
  return nullptr;
}

std::int64_t ParameterStore::parameter_count() const {
  std::int64_t n = 0;
  for (const Parameter& p : parameters_) n += p.shape.numel();
  return n;
}

std::int64_t ParameterStore::trainable_count() const {
  std::int64_t n = 0;
  for (const Parameter& p : parameters_) n += p.trainable() ? p.shape.numel() : 0;
  return n;
}

}  // namespace yolo
