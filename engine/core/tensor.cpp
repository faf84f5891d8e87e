#include "engine/core/tensor.h"

#include <fmt/format.h>

namespace yolo {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  for (std::int64_t d : dims) push_back(d);
}

void Shape::push_back(std::int64_t d) {
  YOLO_CHECK(ndim_ < kMaxDims, "a tensor has at most {} dimensions", kMaxDims);
  dims_[static_cast<std::size_t>(ndim_++)] = d;
}

std::int64_t Shape::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : *this) n *= d;
  return n;
}

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(begin(), end(), ", ")); }

bool Shape::operator==(const Shape& o) const {
  if (ndim_ != o.ndim_) return false;
  for (int i = 0; i < ndim_; ++i) {
    if ((*this)[i] != o[i]) return false;
  }
  return true;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides = shape;
  std::int64_t s = 1;
  for (int i = shape.ndim() - 1; i >= 0; --i) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

Storage::Storage(std::shared_ptr<Allocator> allocator, std::size_t bytes)
    : allocator_(std::move(allocator)), bytes_(bytes) {
  data_ = allocator_->allocate(bytes);
}

Storage::~Storage() { allocator_->deallocate(data_, bytes_); }

Tensor Tensor::empty(std::shared_ptr<Allocator> allocator, const Shape& shape, DType dtype) {
  for (std::int64_t d : shape) YOLO_CHECK(d >= 0, "negative dimension in shape {}", shape.str());
  Tensor t;
  t.storage_ =
      std::make_shared<Storage>(std::move(allocator), static_cast<std::size_t>(shape.numel()) * dtype_size(dtype));
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

std::int64_t Tensor::dim(int i) const {
  const int n = ndim();
  YOLO_CHECK(i >= -n && i < n, "dimension {} out of range for a {}-d tensor", i, n);
  return shape_[i < 0 ? i + n : i];
}

Device Tensor::device() const {
  YOLO_CHECK(defined(), "undefined tensor has no device");
  return storage_->device();
}

bool Tensor::is_contiguous() const { return strides_ == contiguous_strides(shape_); }

void* Tensor::raw_data() const {
  YOLO_CHECK(defined(), "accessing the data of an undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<std::int64_t>(dtype_size(dtype_));
}

Tensor Tensor::view(const Shape& shape) const {
  YOLO_CHECK(is_contiguous(), "view() of a non-contiguous tensor {}", str());
  Shape resolved = shape;
  int inferred = -1;
  std::int64_t known = 1;
  for (int i = 0; i < shape.ndim(); ++i) {
    if (shape[i] == -1) {
      YOLO_CHECK(inferred < 0, "view(): at most one dimension may be -1, got {}", shape.str());
      inferred = i;
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    YOLO_CHECK(known > 0 && numel() % known == 0, "view(): cannot view {} as {}", shape_.str(), shape.str());
    resolved[inferred] = numel() / known;
  }
  YOLO_CHECK(resolved.numel() == numel(), "view(): cannot view {} as {}", shape_.str(), shape.str());
  Tensor t = *this;
  t.shape_ = resolved;
  t.strides_ = contiguous_strides(resolved);
  return t;
}

Tensor Tensor::slice(int dim, std::int64_t start, std::int64_t end) const {
  const int d = dim < 0 ? dim + ndim() : dim;
  YOLO_CHECK(d >= 0 && d < ndim(), "slice(): dimension {} out of range for {}", dim, str());
  YOLO_CHECK(0 <= start && start <= end && end <= shape_[d], "slice(): [{}, {}) out of range for size {}", start, end,
             shape_[d]);
  Tensor t = *this;
  t.offset_ += start * strides_[d];
  t.shape_[d] = end - start;
  return t;
}

std::string Tensor::str() const {
  if (!defined()) return "undefined tensor";
  return fmt::format("{}{} on {}", dtype_name(dtype_), shape_.str(), device().str());
}

}  // namespace yolo
