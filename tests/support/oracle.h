#pragma once
// defines: Oracle, the bridge to the Python reference implementations.
// A test puts its inputs (as .npy) into a scratch directory, runs one op of a
// script under tests/oracle/ with Debian's /usr/bin/python3 (which has torch),
// and reads the reference outputs back:
//   Oracle o("elementwise_oracle.py");
//   o.put("x", x);
//   o.run("silu", {{"dtype", "f32"}});
//   NpyArray y = o.get("y");
#include <nlohmann/json.hpp>
#include <string>

#include "engine/io/npy.h"

namespace yolo::test {

// The project's venv (tools/setup-deps.sh): ultralytics on Debian's torch.
inline constexpr const char* kVenvPython = YOLO_VENV_PYTHON;

class Oracle {
 public:
  // python: Debian's (torch) by default; kVenvPython for ultralytics.
  explicit Oracle(std::string script, std::string python = YOLO_ORACLE_PYTHON);
  ~Oracle();
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  void put(const std::string& name, const Tensor& host_tensor) const;
  // Runs `op`; a non-zero exit throws with the script's stderr.
  void run(const std::string& op, const nlohmann::json& params = nlohmann::json::object()) const;
  NpyArray get(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string script_;
  std::string python_;
  std::string dir_;
};

}  // namespace yolo::test
