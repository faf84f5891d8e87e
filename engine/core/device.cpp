#include "engine/core/device.h"

#include <charconv>

#include "engine/core/error.h"

namespace yolo {
namespace {
int parse_index(std::string_view digits, std::string_view whole) {
  int value = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  YOLO_CHECK(ec == std::errc() && end == digits.data() + digits.size() && value >= 0,
             "invalid device '{}' (expected cpu, cuda, cuda:N or N)", whole);
  return value;
}
}  // namespace

Device Device::parse(std::string_view text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  if (text.starts_with("cuda:")) return cuda(parse_index(text.substr(5), text));
  return cuda(parse_index(text, text));
}

std::string Device::str() const { return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index); }

}  // namespace yolo
