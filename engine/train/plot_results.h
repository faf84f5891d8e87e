#pragma once
// defines: plot_results, results.png of a run: one small chart per column
// of its results.csv (losses, precision, recall, mAP) against the epoch,
// laid out as ultralytics' plot_results.
#include <filesystem>

namespace yolo {

// Reads run/results.csv and writes run/results.png (temp file, then
// renamed). A results.csv without rows writes nothing.
void plot_results(const std::filesystem::path& run);

}  // namespace yolo
