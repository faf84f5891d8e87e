#pragma once
// defines: NpyArray, read_npy, write_npy: NumPy's .npy format (version 1.0,
// little-endian, C order), the exchange format with the Python oracles.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/context.h"

namespace yolo {

struct NpyArray {
  std::string descr;  // NumPy type string: "<f4", "<f2", "<u2", "|u1", "<i4", "<i8"
  std::vector<std::int64_t> shape;
  std::vector<char> bytes;

  std::int64_t numel() const;
  template <class T>
  const T* as() const {
    YOLO_CHECK(bytes.size() == static_cast<std::size_t>(numel()) * sizeof(T), "npy: {} holds {} bytes, not {} x {}",
               descr, bytes.size(), numel(), sizeof(T));
    return reinterpret_cast<const T*>(bytes.data());
  }
  // The array as a host tensor of the matching dtype ("<u2" reads as bf16 bits).
  Tensor to_tensor(const Context& ctx) const;
};

NpyArray read_npy(const std::string& path);
// Writes a contiguous host tensor. bf16 is written as "<u2" (its raw bits):
// NumPy has no bfloat16.
void write_npy(const std::string& path, const Tensor& tensor);
void write_npy(const std::string& path, const std::string& descr, const std::vector<std::int64_t>& shape,
               const void* data, std::size_t bytes);

}  // namespace yolo
