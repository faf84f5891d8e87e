#include "engine/data/dataset.h"

namespace yolo {

Dataset open_split(const DataConfig& config, const std::vector<std::filesystem::path>& entries,
                   const std::string& split_name, const DatasetOptions& options, Diagnostics& diag) {
  LabelCheckOptions check;
  check.nc = config.nc;
  check.min_items = options.min_items;
  check.use_cache = options.label_cache;
  check.split_name = split_name;
  Dataset ds;
  ds.names = config.names;
  ds.checked = check_split(list_images(entries), check, diag);
  std::vector<std::filesystem::path> files;
  std::vector<ImageExtent> extents;
  for (const CheckedImage& im : ds.checked.images) {
    files.push_back(im.image);
    extents.push_back(ImageExtent{im.width, im.height});
    ds.labels.push_back(im.boxes);
  }
  ds.store = std::make_unique<ImageStore>(std::move(files), std::move(extents), options.imgsz, options.cache,
                                          options.workers);
  return ds;
}

}  // namespace yolo
