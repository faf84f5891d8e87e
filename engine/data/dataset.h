#pragma once
// defines: Dataset and open_split: one split of a data.yaml checked (labels,
// images), its images in an ImageStore and its labels by store index, ready
// for a DataLoader.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/data_config.h"
#include "engine/data/diagnostics.h"
#include "engine/data/image_store.h"
#include "engine/data/label_check.h"

namespace yolo {

struct DatasetOptions {
  std::int32_t imgsz = 640;
  CacheMode cache = CacheMode::none;
  int workers = 2;         // decoding threads for the ram/disk caches
  int min_items = 0;       // --min-items
  bool label_cache = true;  // read and write <labels dir>.cache
};

struct Dataset {
  CheckedSplit checked;
  std::unique_ptr<ImageStore> store;
  std::vector<std::vector<LabelBox>> labels;  // labels[i] for store->file(i)
  std::vector<std::string> names;
};

// entries: a split of `config` (config.train, config.val or config.test).
// Prints the split's summary line; bad files are counted warnings in diag.
Dataset open_split(const DataConfig& config, const std::vector<std::filesystem::path>& entries,
                   const std::string& split_name, const DatasetOptions& options, Diagnostics& diag);

}  // namespace yolo
