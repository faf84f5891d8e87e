#pragma once
// defines: Shape, Storage, Tensor.
// A Tensor is a typed, strided view of shared storage on one device. Image
// tensors are NHWC on both backends. Strides are in elements.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "engine/core/allocator.h"
#include "engine/core/device.h"
#include "engine/core/dtype.h"

namespace yolo {

constexpr int kMaxDims = 5;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);
  template <class It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::int64_t>(*first));
  }

  int ndim() const { return ndim_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t numel() const;
  void push_back(std::int64_t d);
  const std::int64_t* begin() const { return dims_.data(); }
  const std::int64_t* end() const { return dims_.data() + ndim_; }
  std::string str() const;
  bool operator==(const Shape& o) const;

 private:
  std::array<std::int64_t, kMaxDims> dims_{};
  int ndim_ = 0;
};

// A block of memory owned by an allocator; returned to it on destruction.
class Storage {
 public:
  Storage(std::shared_ptr<Allocator> allocator, std::size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Device device() const { return allocator_->device(); }

 private:
  std::shared_ptr<Allocator> allocator_;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  // A new contiguous tensor from `allocator`.
  static Tensor empty(std::shared_ptr<Allocator> allocator, const Shape& shape, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int ndim() const { return shape_.ndim(); }
  std::int64_t dim(int i) const;  // negative i counts from the end
  DType dtype() const { return dtype_; }
  Device device() const;
  std::int64_t numel() const { return shape_.numel(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  std::int64_t offset() const { return offset_; }
  bool is_contiguous() const;
  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }

  void* raw_data() const;
  template <class T>
  T* data() const {
    YOLO_CHECK(dtype_of<T>() == dtype_, "tensor is {}, accessed as {}", dtype_name(dtype_), dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw_data());
  }

  // A contiguous tensor seen with another shape (one dimension may be -1).
  Tensor view(const Shape& shape) const;
  // Elements [start, end) along `dim`; shares storage.
  Tensor slice(int dim, std::int64_t start, std::int64_t end) const;

  std::string str() const;  // e.g. "f32[2, 3] on cpu"

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  std::int64_t offset_ = 0;  // in elements
  DType dtype_ = DType::f32;
};

Shape contiguous_strides(const Shape& shape);

}  // namespace yolo
