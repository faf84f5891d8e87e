#pragma once
// defines: DataConfig, load_data_config, list_images, label_path_for,
// is_image_file: an ultralytics data.yaml read into plain paths, the image
// lists its train/val/test entries expand to, and where an image's label
// file lives (ultralytics' img2label_paths).
#include <filesystem>
#include <string>
#include <vector>

namespace yolo {

struct DataConfig {
  std::filesystem::path yaml;  // the file read
  std::filesystem::path root;  // `path:`, absolute; the yaml's directory when absent
  // Each entry an existing directory, image list (.txt) or image, absolute.
  std::vector<std::filesystem::path> train, val, test;  // test may be empty
  std::vector<std::string> names;                       // names[class]
  int nc = 0;                                           // == names.size()
  int channels = 3;
};

// Reads an ultralytics data.yaml:
//   path   dataset root; relative to the yaml's directory; default that directory
//   train, val (or `validation`), test
//          a string or a list of strings, each relative to `path` (a string
//          starting "../" that does not exist is also tried without it, as
//          ultralytics does); each must exist
//   names  a list, or a map {0: a, 1: b, ...} with keys exactly 0..n-1
//   nc     optional with names (must then equal their count); alone it names
//          the classes "class_0".."class_{nc-1}" (ultralytics' names)
// Any problem is a yolo::Error naming the file and the key.
DataConfig load_data_config(const std::filesystem::path& yaml);

// jpg jpeg png bmp tif tiff webp, by extension, case-insensitive.
bool is_image_file(const std::filesystem::path& path);

// Expands entries to image files: a directory recursively (hidden files and
// directories skipped, like ultralytics' glob), a .txt file (any non-image
// file) as a list of image paths, one a line (UTF-8, BOM allowed; relative
// lines, with or without "./", are relative to the list's directory), an
// image file as itself. Only image extensions are kept; listed images are
// not checked for existence here (check_split reports them). The result is
// sorted and deduplicated. A missing entry, or no image at all, is an error.
std::vector<std::filesystem::path> list_images(const std::vector<std::filesystem::path>& entries);

// ultralytics' img2label_paths: the last "/images/" component becomes
// "/labels/", the extension ".txt". Without an "images" directory the label
// sits next to the image.
std::filesystem::path label_path_for(const std::filesystem::path& image);

}  // namespace yolo
