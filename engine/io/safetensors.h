#pragma once
// defines: SafetensorsFile, read_safetensors, write_safetensors: the
// safetensors format (8-byte little-endian header size, a JSON header of
// name -> {dtype, shape, data_offsets} plus string "__metadata__", then the
// raw little-endian data), the checkpoint format users' tools already read.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/context.h"

namespace yolo {

struct SafetensorsFile {
  struct Entry {
    DType dtype = DType::f32;
    Shape shape;
    std::size_t begin = 0, end = 0;  // byte range in data
  };
  std::map<std::string, std::string> metadata;
  std::map<std::string, Entry> entries;
  std::vector<char> data;

  // The tensor `name` as a new host tensor; a clear error naming it if it is
  // missing or its dtype differs from `dtype`.
  Tensor tensor(const Context& ctx, const std::string& name, DType dtype) const;
};

// Reads and validates the whole file: a truncated or corrupt file, or
// offsets outside the data, is a yolo::Error naming the file (and tensor).
SafetensorsFile read_safetensors(const std::string& path);

// Writes host tensors (contiguous) atomically: to `path`.tmp.<pid>, flushed,
// then renamed over `path` (and the directory flushed), so a crash never
// leaves a half-written file.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata);

}  // namespace yolo
