#pragma once
// defines: Device ("cpu" or "cuda:N") and its parser.
#include <cstdint>
#include <string>
#include <string_view>

namespace yolo {

enum class DeviceType : std::uint8_t { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {DeviceType::cpu, 0}; }
  static Device cuda(int index) { return {DeviceType::cuda, index}; }
  // Accepts "cpu", "cuda", "cuda:N" and a bare "N" (as YOLOv5's --device 0).
  static Device parse(std::string_view text);

  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  std::string str() const;
  bool operator==(const Device&) const = default;
};

}  // namespace yolo
