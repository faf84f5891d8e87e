#pragma once
// defines: EpochProgress, the live line of a training epoch on a terminal,
// as ultralytics draws it: epoch, device memory, the running mean losses,
// instances and image size of the batch, then a bar with batches done,
// elapsed time, ETA and it/s. Redrawn in place (at most ~10 times a
// second); when stdout is not a terminal nothing is drawn (the trainer's
// one line per epoch stays the record).
#include <chrono>
#include <cstdint>
#include <string>

namespace yolo {

class EpochProgress {
 public:
  // enabled: draw at all (stdout is a terminal and this rank prints).
  EpochProgress(bool enabled, int epoch, int epochs, std::int64_t batches);
  ~EpochProgress();  // clears the line
  EpochProgress(const EpochProgress&) = delete;
  EpochProgress& operator=(const EpochProgress&) = delete;

  // After batch `done` (1-based): the mean losses so far, that batch's
  // instances and image size, the device memory in use.
  void update(std::int64_t done, const double mean_losses[3], std::int64_t instances, std::int64_t size,
              std::int64_t memory_bytes);

  // The line as drawn (tests).
  static std::string format_line(int epoch, int epochs, std::int64_t done, std::int64_t batches,
                                 const double mean_losses[3], std::int64_t instances, std::int64_t size,
                                 std::int64_t memory_bytes, double elapsed_seconds);

 private:
  bool enabled_;
  int epoch_, epochs_;
  std::int64_t batches_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// Whether standard output is a terminal.
bool stdout_is_terminal();

}  // namespace yolo
