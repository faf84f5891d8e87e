#include "engine/train/progress_bar.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace yolo {

using Clock = std::chrono::steady_clock;

bool stdout_is_terminal() { return ::isatty(::fileno(stdout)) == 1; }

EpochProgress::EpochProgress(bool enabled, int epoch, int epochs, std::int64_t batches)
    : enabled_(enabled), epoch_(epoch), epochs_(epochs), batches_(batches), start_(Clock::now()) {}

EpochProgress::~EpochProgress() {
  if (drawn_) {
    fmt::print("\r\033[K");  // carriage return, erase the line: the epoch's summary line follows
    std::fflush(stdout);
  }
}

std::string EpochProgress::format_line(int epoch, int epochs, std::int64_t done, std::int64_t batches,
                                       const double mean_losses[3], std::int64_t instances, std::int64_t size,
                                       std::int64_t memory_bytes, double elapsed_seconds) {
  constexpr int kBarWidth = 20;
  const double fraction = batches > 0 ? static_cast<double>(done) / static_cast<double>(batches) : 1.0;
  const int filled = static_cast<int>(fraction * kBarWidth);
  const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                          std::string(static_cast<std::size_t>(kBarWidth - filled), ' ');
  const double rate = elapsed_seconds > 0 ? static_cast<double>(done) / elapsed_seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(batches - done) / rate : 0.0;
  auto clock = [](double seconds) {
    const auto s = static_cast<std::int64_t>(seconds + 0.5);
    return fmt::format("{:02}:{:02}", s / 60, s % 60);
  };
  return fmt::format("{:>10} {:>9} {:>9.4g} {:>9.4g} {:>9.4g} {:>10} {:>5}: {:>3.0f}%|{}| {}/{} [{}<{}, {:.2f}it/s]",
                     fmt::format("{}/{}", epoch, epochs), fmt::format("{:.3g}G", memory_bytes / 1e9), mean_losses[0],
                     mean_losses[1], mean_losses[2], instances, size, fraction * 100, bar, done, batches,
                     clock(elapsed_seconds), clock(eta), rate);
}

void EpochProgress::update(std::int64_t done, const double mean_losses[3], std::int64_t instances, std::int64_t size,
                           std::int64_t memory_bytes) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (drawn_ && done < batches_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  if (!drawn_) {
    fmt::print("{:>10} {:>9} {:>9} {:>9} {:>9} {:>10} {:>5}\n", "Epoch", "mem", "box_loss", "cls_loss", "dfl_loss",
               "Instances", "Size");
  }
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  fmt::print("\r{}", format_line(epoch_, epochs_, done, batches_, mean_losses, instances, size, memory_bytes, elapsed));
  std::fflush(stdout);
  drawn_ = true, last_draw_ = now;
}

}  // namespace yolo
