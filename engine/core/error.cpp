#include "engine/core/error.h"

#include <cstring>

namespace yolo {
namespace {
const char* short_path(const char* file) {
  // Keep the path from the repository root: "engine/core/x.cpp", not "/home/...".
  for (const char* root : {"/engine/", "/kernels/", "/tools/", "/tests/"}) {
    if (const char* p = std::strstr(file, root)) return p + 1;
  }
  return file;
}
}  // namespace

Error::Error(std::string message, const char* file, int line)
    : std::runtime_error(fmt::format("{} [{}:{}]", message, short_path(file), line)), message_(std::move(message)) {}

void throw_error(const char* file, int line, std::string message) { throw Error(std::move(message), file, line); }

}  // namespace yolo
