#include "engine/data/diagnostics.h"

#include <fmt/core.h>

#include <cstdio>

namespace yolo {

Diagnostics::Diagnostics(bool print, std::size_t print_limit) : print_(print), print_limit_(print_limit) {}

Diagnostics::~Diagnostics() { flush(); }

void Diagnostics::warn(std::string message) {
  std::lock_guard lock(mutex_);
  if (print_) {
    if (printed_since_flush_ < print_limit_) {
      fmt::print(stderr, "warning: {}\n", message);
      ++printed_since_flush_;
    } else {
      ++held_back_;
    }
  }
  messages_.push_back(std::move(message));
}

void Diagnostics::info(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (print_) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  }
}

void Diagnostics::flush() {
  std::lock_guard lock(mutex_);
  if (print_ && held_back_ > 0)
    fmt::print(stderr, "warning: ... {} more warning{}\n", held_back_, held_back_ == 1 ? "" : "s");
  held_back_ = 0;
  printed_since_flush_ = 0;
}

std::size_t Diagnostics::count() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

std::vector<std::string> Diagnostics::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

}  // namespace yolo
