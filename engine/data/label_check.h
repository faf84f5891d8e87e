#pragma once
// defines: CheckedImage, SplitReport, LabelCheckOptions,
// CheckedSplit, check_split, split_summary: the one-time check of a split's
// images and YOLO txt labels (ultralytics' verify_image_label + cache_labels),
// with the result cached next to the labels (label_cache.h).
//
// Per image, in input order (checked on a few threads):
//   image   decoded in full by OpenCV (EXIF orientation applied, so width and
//           height are those of the oriented image); a JPEG must end with the
//           EOI marker FF D9 (OpenCV decodes a truncated one with only a
//           libjpeg warning). Unreadable, undecodable, truncated or < 10 px on
//           a side: dropped, counted corrupt.
//   label   label_path_for(image). Missing: background (counted missing);
//           no rows: background (counted empty); otherwise every row is
//           "cls xc yc w h", or an ultralytics polygon "cls x1 y1 x2 y2 x3 y3
//           ..." (odd column count >= 7) turned into its bounding box. Like
//           ultralytics, a file mixing polygon and box rows is rejected. Any
//           bad row (column count, a token that is not a finite number, class
//           not an integer in [0, nc), box out of range) drops the whole
//           image, counted corrupt, with file:line and the reason.
//           Range, as ultralytics 8.4 (1% tolerance): xc, yc in [-0.01, 1.01],
//           w, h in [0, 1.01]; values are kept as written (not clipped).
//   dups    identical rows (for polygons: identical class and points) are
//           removed, the first kept, order otherwise unchanged; one warning
//           per removed row.
// Missing and empty labels are legitimate backgrounds: counted, no warning.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/diagnostics.h"
#include "engine/data/label_box.h"

namespace yolo {

// LabelBox (label_box.h): cls, xc, yc, w, h normalised to the oriented image.
struct CheckedImage {
  std::filesystem::path image;
  int width = 0, height = 0;  // after EXIF orientation
  std::vector<LabelBox> boxes;
};

// Every image is exactly one of found / missing / empty / corrupt, so
// found + missing + empty + corrupt == images. Kept images:
// images - corrupt - dropped_min_items.
struct SplitReport {
  int images = 0;              // checked
  int found = 0;               // label file with at least one valid row
  int missing = 0;             // no label file: background
  int empty = 0;               // label file without rows: background
  int corrupt = 0;             // dropped: bad image or bad label
  int duplicates_removed = 0;  // duplicate label rows removed (images kept)
  int dropped_min_items = 0;   // kept images dropped for fewer than min_items boxes
  bool operator==(const SplitReport&) const = default;
};

struct LabelCheckOptions {
  int nc = 0;                       // class count; classes must be in [0, nc)
  int min_items = 0;                // drop images with fewer boxes (YOLOv5/v9 --min-items); 0 keeps all
  bool use_cache = true;            // read and write <labels dir>.cache
  std::string split_name = "data";  // message prefix: "train", "val"
  int threads = 0;                  // checking threads; 0: hardware threads, at most 8
};

struct CheckedSplit {
  std::vector<CheckedImage> images;  // kept, in input order
  SplitReport report;
  std::filesystem::path cache_path;  // <labels dir>.cache
  bool from_cache = false;           // the checks were skipped: a valid cache was read
};

// Checks (or reads from a valid cache) every image and its label; warnings go
// to diag (replayed from the cache on a hit), and the one-line summary to
// diag.info(). No usable image left is a yolo::Error listing the first problems.
CheckedSplit check_split(const std::vector<std::filesystem::path>& images, const LabelCheckOptions& opts,
                         Diagnostics& diag);

// "train: 12 images, 3 found, 1 missing, 1 empty, 7 corrupt, 2 duplicate labels removed"
// (+ ", N dropped with fewer than M labels" when min_items > 0, + " (from cache)").
std::string split_summary(const std::string& split_name, const SplitReport& report, int min_items = 0,
                          bool from_cache = false);

}  // namespace yolo
