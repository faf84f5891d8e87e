#include "engine/io/npy.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <regex>

#include "engine/core/context.h"

namespace yolo {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::string descr_of(DType t) {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::f16: return "<f2";
    case DType::bf16: return "<u2";
    case DType::u8: return "|u1";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
  }
  return "?";
}

DType dtype_of_descr(const std::string& d, const std::string& path) {
  for (DType t : {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i32, DType::i64}) {
    if (descr_of(t) == d) return t;
  }
  YOLO_FAIL("{}: unsupported .npy dtype '{}'", path, d);
}

}  // namespace

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

Tensor NpyArray::to_tensor(const Context& ctx) const {
  Tensor t = ctx.empty_host(Shape(shape.begin(), shape.end()), dtype_of_descr(descr, "array"));
  YOLO_CHECK(t.nbytes() == bytes.size(), "npy: {} bytes for {}", bytes.size(), t.str());
  std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return t;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  YOLO_CHECK(in, "cannot open {}", path);
  char magic[6] = {};
  unsigned char version[2] = {};
  in.read(magic, 6);
  in.read(reinterpret_cast<char*>(version), 2);
  YOLO_CHECK(in && std::memcmp(magic, kMagic, 6) == 0, "{}: not a .npy file", path);
  std::uint32_t header_len = 0;
  if (version[0] == 1) {
    unsigned char len[2] = {};
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (len[1] << 8);
  } else {
    unsigned char len[4] = {};
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<std::uint32_t>(len[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  YOLO_CHECK(in, "{}: truncated header", path);

  NpyArray a;
  std::smatch m;
  YOLO_CHECK(std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'")), "{}: no descr in header", path);
  a.descr = m[1];
  YOLO_CHECK(header.find("'fortran_order': False") != std::string::npos, "{}: Fortran order is not supported", path);
  YOLO_CHECK(std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")), "{}: no shape in header", path);
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    a.shape.push_back(std::stoll(it->str()));
  }
  const std::size_t bytes = static_cast<std::size_t>(a.numel()) * dtype_size(dtype_of_descr(a.descr, path));
  a.bytes.resize(bytes);
  in.read(a.bytes.data(), static_cast<std::streamsize>(bytes));
  YOLO_CHECK(in.gcount() == static_cast<std::streamsize>(bytes), "{}: truncated data ({} of {} bytes)", path,
             in.gcount(), bytes);
  return a;
}

void write_npy(const std::string& path, const std::string& descr, const std::vector<std::int64_t>& shape,
               const void* data, std::size_t bytes) {
  // Python tuple syntax: "(2, 3)", but "(5,)" for one dimension.
  const std::string dims = shape.size() == 1 ? fmt::format("{},", shape[0]) : fmt::format("{}", fmt::join(shape, ", "));
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  // Pad so that magic + version + length + header is a multiple of 64, ending in '\n'.
  const std::size_t total = 6 + 2 + 2 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  YOLO_CHECK(out, "cannot write {}", path);
  out.write(kMagic, 6);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  YOLO_CHECK(out, "writing {} failed", path);
}

void write_npy(const std::string& path, const Tensor& t) {
  YOLO_CHECK(t.device().is_cpu() && t.is_contiguous(), "write_npy: need a contiguous host tensor, got {}", t.str());
  write_npy(path, descr_of(t.dtype()), std::vector<std::int64_t>(t.shape().begin(), t.shape().end()), t.raw_data(),
            t.nbytes());
}

}  // namespace yolo
