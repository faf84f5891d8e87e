#pragma once
// defines: yolo::Error, YOLO_CHECK, YOLO_FAIL.
// Every failure in the engine is a yolo::Error carrying file:line; binaries
// catch it in main, print one line and exit non-zero.
#include <fmt/core.h>

#include <stdexcept>
#include <string>

namespace yolo {

class Error : public std::runtime_error {
 public:
  Error(std::string message, const char* file, int line);
  // The message without the source location, for users.
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

[[noreturn]] void throw_error(const char* file, int line, std::string message);

}  // namespace yolo

#define YOLO_FAIL(...) ::yolo::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))
#define YOLO_CHECK(cond, ...) \
  do {                        \
    if (!(cond)) {            \
      YOLO_FAIL(__VA_ARGS__); \
    }                         \
  } while (0)
