#pragma once
// defines: Diagnostics: the sink for the data layer's warnings and summary
// lines, passed by reference (no global logger). Every warning is counted and
// kept; the first `print_limit` since the last flush() go to stderr as
// "warning: ...", the rest are folded into one "... N more warnings" line at
// flush(). Tests turn printing off and read messages().
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace yolo {

class Diagnostics {
 public:
  explicit Diagnostics(bool print = true, std::size_t print_limit = 30);
  ~Diagnostics();  // flushes
  Diagnostics(const Diagnostics&) = delete;
  Diagnostics& operator=(const Diagnostics&) = delete;

  // A counted warning (thread-safe).
  void warn(std::string message);
  // An informational line on stdout (summaries); not counted.
  void info(const std::string& line);
  // Prints "warning: ... N more warnings" for those held back since the last
  // flush, then lets the next print_limit warnings print again.
  void flush();

  std::size_t count() const;
  std::vector<std::string> messages() const;  // every warning, in order
  bool printing() const { return print_; }

 private:
  mutable std::mutex mutex_;
  bool print_;
  std::size_t print_limit_;
  std::size_t printed_since_flush_ = 0;
  std::size_t held_back_ = 0;
  std::vector<std::string> messages_;
};

}  // namespace yolo
