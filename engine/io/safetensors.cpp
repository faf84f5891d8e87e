#include "engine/io/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace yolo {
namespace {

using nlohmann::json;

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::f32:
      return "F32";
    case DType::f16:
      return "F16";
    case DType::bf16:
      return "BF16";
    case DType::u8:
      return "U8";
    case DType::i32:
      return "I32";
    case DType::i64:
      return "I64";
  }
  return "?";
}

DType dtype_from(const std::string& s, const std::string& where) {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64})
    if (s == safetensors_dtype(t)) return t;
  YOLO_FAIL("{}: unsupported dtype {}", where, s);
}

// Writes all of `bytes` to fd, or fails with errno's reason (a full disk).
void write_all(int fd, const char* bytes, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    YOLO_CHECK(n > 0, "writing {}: {}", path, std::strerror(errno));
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

Tensor SafetensorsFile::tensor(const Context& ctx, const std::string& name, DType dtype) const {
  auto it = entries.find(name);
  YOLO_CHECK(it != entries.end(), "tensor {} is missing", name);
  const Entry& e = it->second;
  YOLO_CHECK(e.dtype == dtype, "tensor {} is {}, expected {}", name, dtype_name(e.dtype), dtype_name(dtype));
  Tensor t = ctx.empty_host(e.shape, e.dtype);
  std::memcpy(t.raw_data(), data.data() + e.begin, e.end - e.begin);
  return t;
}

SafetensorsFile read_safetensors(const std::string& path) {
  YOLO_CHECK(std::filesystem::is_regular_file(path), "{}: cannot open (no such file)", path);
  std::ifstream in(path, std::ios::binary);
  YOLO_CHECK(in.good(), "{}: cannot open", path);
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  YOLO_CHECK(end >= 0, "{}: cannot read its size", path);
  const auto file_size = static_cast<std::uint64_t>(end);
  in.seekg(0);
  YOLO_CHECK(file_size >= 8, "{}: truncated ({} bytes, no header)", path, file_size);
  unsigned char size_bytes[8];
  in.read(reinterpret_cast<char*>(size_bytes), 8);
  YOLO_CHECK(in.gcount() == 8, "{}: read error in the header size", path);
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | size_bytes[i];
  YOLO_CHECK(header_size <= file_size - 8, "{}: truncated or not a safetensors file (header of {} bytes, file of {})",
             path, header_size, file_size);
  // The format's own limit: a larger "header" is not a safetensors file.
  YOLO_CHECK(header_size <= (std::uint64_t{100} << 20), "{}: not a safetensors file (a {} byte header)", path,
             header_size);
  std::string header(header_size, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_size));
  json h;
  try {
    h = json::parse(header);
  } catch (const json::exception& e) {
    YOLO_FAIL("{}: corrupt header: {}", path, e.what());
  }
  YOLO_CHECK(h.is_object(), "{}: corrupt header (not a JSON object)", path);
  SafetensorsFile f;
  f.data.resize(file_size - 8 - header_size);
  in.read(f.data.data(), static_cast<std::streamsize>(f.data.size()));
  YOLO_CHECK(in.good() || in.eof(), "{}: read error", path);
  for (const auto& [name, value] : h.items()) {
    if (name == "__metadata__") {
      for (const auto& [k, v] : value.items()) {
        YOLO_CHECK(v.is_string(), "{}: metadata {} is not a string", path, k);
        f.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = fmt::format("{}: tensor {}", path, name);
    try {
      SafetensorsFile::Entry e;
      e.dtype = dtype_from(value.at("dtype").get<std::string>(), where);
      const auto dims = value.at("shape").get<std::vector<std::int64_t>>();
      YOLO_CHECK(dims.size() <= kMaxDims, "{}: {} dimensions (at most {})", where, dims.size(), kMaxDims);
      for (const std::int64_t d : dims)
        YOLO_CHECK(d >= 0 && d <= (std::int64_t{1} << 40), "{}: dimension {} out of range", where, d);
      e.shape = Shape(dims.begin(), dims.end());
      const auto offsets = value.at("data_offsets").get<std::vector<std::uint64_t>>();
      YOLO_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= f.data.size(),
                 "{}: data offsets outside the file's {} data bytes (truncated?)", where, f.data.size());
      e.begin = offsets[0];
      e.end = offsets[1];
      YOLO_CHECK(e.end - e.begin == static_cast<std::size_t>(e.shape.numel()) * dtype_size(e.dtype),
                 "{}: {} bytes for shape {} of {}", where, e.end - e.begin, e.shape.str(), dtype_name(e.dtype));
      f.entries[name] = e;
    } catch (const json::exception& e) {
      YOLO_FAIL("{}: corrupt entry: {}", where, e.what());
    }
  }
  return f;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json h = json::object();
  std::size_t offset = 0;
  for (const auto& [name, t] : tensors) {
    YOLO_CHECK(t.device().is_cpu() && t.is_contiguous(), "write_safetensors: {} must be a contiguous host tensor",
               name);
    std::vector<std::int64_t> dims(t.shape().begin(), t.shape().end());
    h[name] = {
        {"dtype", safetensors_dtype(t.dtype())}, {"shape", dims}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  if (!metadata.empty()) h["__metadata__"] = metadata;
  // Metadata (a model YAML) may not be valid UTF-8: replace, never throw.
  std::string header = h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  header.append((8 - header.size() % 8) % 8, ' ');  // the format allows padding; keeps data 8-byte aligned
  unsigned char size_bytes[8];
  for (int i = 0; i < 8; ++i)
    size_bytes[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(header.size()) >> (8 * i));

  // One temporary per process: two writers never truncate each other's file.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  YOLO_CHECK(fd >= 0, "cannot write {}: {}", tmp, std::strerror(errno));
  try {
    write_all(fd, reinterpret_cast<const char*>(size_bytes), 8, tmp);
    write_all(fd, header.data(), header.size(), tmp);
    for (const auto& [name, t] : tensors) write_all(fd, static_cast<const char*>(t.raw_data()), t.nbytes(), tmp);
    YOLO_CHECK(::fsync(fd) == 0, "writing {}: {}", tmp, std::strerror(errno));
  } catch (...) {
    ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
  YOLO_CHECK(::close(fd) == 0, "writing {}: {}", tmp, std::strerror(errno));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    YOLO_FAIL("cannot rename {} to {}: {}", tmp, path, ec.message());
  }
  // The rename itself is durable only once the directory is flushed.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace yolo
