#pragma once
// defines: run_directory, where a run writes its outputs: project/name, or
// project/name2, name3, ... when that exists (ultralytics' increment_path),
// unless exist_ok. Created on return.
#include <filesystem>
#include <string>

namespace yolo {

std::filesystem::path run_directory(const std::string& project, const std::string& name, bool exist_ok);

}  // namespace yolo
