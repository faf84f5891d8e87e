#pragma once
// defines: LabelCache, label_cache_path, label_cache_hash, read_label_cache,
// write_label_cache: check_split's result stored next to the labels, as
// ultralytics does (labels/train/x.txt -> labels/train.cache).
//
// Format: compact JSON
//   {"version": kLabelCacheVersion, "hash": "<16 hex>", "report": {...},
//    "messages": [...], "images": [[index, width, height, [cls, xc, yc, w, h, ...]], ...]}
// where index points into the checked image list (the hash pins that list,
// so no path is stored twice) and each float is written in its shortest form
// that reads back bit for bit. Messages are stored without the split prefix.
//
// Hash: 64-bit FNV-1a over the cache version, nc, and for each image in order
// its path, size and mtime and its label's path, size and mtime ("missing"
// when absent): editing, adding or removing any label or image, or a new nc,
// invalidates the cache. Not cryptographic: it detects change, not tampering.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/data/label_check.h"

namespace yolo {

inline constexpr const char* kLabelCacheVersion = "yolo-engine-labels-1";

struct LabelCache {
  std::string hash;
  SplitReport report;                 // before min_items (dropped_min_items == 0)
  std::vector<std::string> messages;  // warnings, without the split prefix
  std::vector<CheckedImage> images;   // kept, in input order
};

// <directory of the first image's label>.cache
std::filesystem::path label_cache_path(const std::vector<std::filesystem::path>& images);
std::string label_cache_hash(const std::vector<std::filesystem::path>& images, int nc);

// nullopt when the file is absent, unreadable, malformed, of another version
// or hash: the caller rebuilds.
std::optional<LabelCache> read_label_cache(const std::filesystem::path& path,
                                           const std::vector<std::filesystem::path>& images,
                                           const std::string& expected_hash);

// Writes a temporary file in the same directory and renames it over path, so
// a reader never sees half a cache. Returns "" on success, else why it failed
// (e.g. a read-only directory); never throws for I/O problems.
std::string write_label_cache(const std::filesystem::path& path, const std::vector<std::filesystem::path>& images,
                              const LabelCache& cache);

}  // namespace yolo
