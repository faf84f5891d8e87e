#include "engine/io/run_directory.h"

#include <fmt/core.h>

#include <system_error>

#include "engine/core/error.h"

namespace yolo {

std::filesystem::path run_directory(const std::string& project, const std::string& name, bool exist_ok) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(project) / name;
  for (int i = 2; !exist_ok && fs::exists(dir); ++i) dir = fs::path(project) / fmt::format("{}{}", name, i);
  std::error_code ec;
  fs::create_directories(dir, ec);
  YOLO_CHECK(!ec, "{}: cannot create the run directory ({})", dir.string(), ec.message());
  return dir;
}

}  // namespace yolo
