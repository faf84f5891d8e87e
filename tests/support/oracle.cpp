#include "tests/support/oracle.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace yolo::test {

Oracle::Oracle(std::string script, std::string python)
    : script_(std::string(YOLO_TESTS_DIR) + "/oracle/" + std::move(script)), python_(std::move(python)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "yolo-oracle-XXXXXX").string();
  YOLO_CHECK(mkdtemp(pattern.data()) != nullptr, "cannot create a scratch directory for the oracle");
  dir_ = pattern;
}

Oracle::~Oracle() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Oracle::put(const std::string& name, const Tensor& t) const { write_npy(dir_ + "/" + name + ".npy", t); }

void Oracle::run(const std::string& op, const nlohmann::json& params) const {
  std::ofstream(dir_ + "/params.json") << params.dump();
  const std::string log = dir_ + "/stderr.txt";
  const std::string command = fmt::format("{} {} {} {} 2> {}", python_, script_, op, dir_, log);
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::ifstream in(log);
    const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    YOLO_FAIL("oracle {} {} failed (status {}):\n{}", script_, op, status, err);
  }
}

NpyArray Oracle::get(const std::string& name) const { return read_npy(dir_ + "/" + name + ".npy"); }

}  // namespace yolo::test
