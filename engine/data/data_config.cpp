#include "engine/data/data_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/core/error.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  auto b = std::find_if_not(s.begin(), s.end(), space);
  auto e = std::find_if_not(s.rbegin(), s.rend(), space).base();
  return b < e ? std::string(b, e) : std::string();
}

std::string read_text(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  YOLO_CHECK(in.good(), "{} {}: cannot read the file", what, path.string());
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // UTF-8 byte-order mark
  return text;
}

// Absolute, with symlinks of the existing part resolved: ultralytics
// resolve()s these paths, so labels are found next to the real images dir.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : r;
}

// A string scalar, or the YAML's own spelling of a number used as a name.
std::string scalar_text(const YAML::Node& node, const std::string& where) {
  YOLO_CHECK(node.IsScalar(), "{}: expected a string", where);
  return node.Scalar();
}

std::vector<std::string> read_names(const YAML::Node& node, const std::string& where) {
  std::vector<std::string> names;
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      names.push_back(scalar_text(node[i], fmt::format("{}[{}]", where, i)));
    return names;
  }
  YOLO_CHECK(node.IsMap(), "{} must be a list or a map {{0: name, ...}}", where);
  std::map<int, std::string> by_index;
  for (const auto& kv : node) {
    int index = -1;
    YOLO_CHECK(kv.first.IsScalar() && YAML::convert<int>::decode(kv.first, index), "{}: key '{}' is not an integer",
               where, kv.first.IsScalar() ? kv.first.Scalar() : std::string("?"));
    YOLO_CHECK(by_index.emplace(index, scalar_text(kv.second, fmt::format("{}[{}]", where, index))).second,
               "{}: class index {} given twice", where, index);
  }
  const int n = static_cast<int>(by_index.size());
  for (const auto& [index, name] : by_index) {
    YOLO_CHECK(index >= 0 && index < n, "{}: a {}-class map needs class indices 0-{}, got {}", where, n, n - 1, index);
    names.push_back(name);  // std::map iterates 0..n-1 in order
  }
  return names;
}

// ultralytics accepts an integer-like nc ("10", 10.0) but not 1.9.
int read_nc(const YAML::Node& node, const std::string& where) {
  int nc = 0;
  double d = 0.0;
  if (node.IsScalar() && YAML::convert<int>::decode(node, nc)) return nc;
  YOLO_CHECK(node.IsScalar() && YAML::convert<double>::decode(node, d) && d == std::floor(d) && std::abs(d) < 1e9,
             "{} must be an integer, got '{}'", where, node.IsScalar() ? node.Scalar() : std::string("?"));
  return static_cast<int>(d);
}

std::vector<fs::path> read_entries(const YAML::Node& node, const fs::path& root, const std::string& file,
                                   const std::string& key) {
  const std::string where = fmt::format("data config {}: '{}:'", file, key);
  std::vector<std::string> raw;
  if (node.IsScalar()) {
    raw.push_back(node.Scalar());
  } else {
    YOLO_CHECK(node.IsSequence(), "{} must be a path or a list of paths", where);
    for (const YAML::Node& item : node) raw.push_back(scalar_text(item, where));
  }
  std::vector<fs::path> entries;
  for (const std::string& s : raw) {
    YOLO_CHECK(!trim(s).empty(), "{} has an empty path", where);
    fs::path p = resolved(root / s);
    // ultralytics retries a missing "../x" (written relative to a yolov5-style
    // layout) as "x" under the root; only for a single string, as it does.
    if (!fs::exists(p) && node.IsScalar() && s.starts_with("../")) {
      const fs::path alt = resolved(root / s.substr(3));
      if (fs::exists(alt)) p = alt;
    }
    YOLO_CHECK(fs::exists(p), "{} path '{}' does not exist (resolved to {})", where, s, p.string());
    entries.push_back(p);
  }
  YOLO_CHECK(!entries.empty(), "{} has no path", where);
  return entries;
}

void list_directory(const fs::path& dir, std::vector<fs::path>& out) {
  const auto options = fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, options, ec), end;
  YOLO_CHECK(!ec, "cannot list image directory {}: {}", dir.string(), ec.message());
  for (; it != end; it.increment(ec)) {
    YOLO_CHECK(!ec, "cannot list image directory {}: {}", dir.string(), ec.message());
    const std::string name = it->path().filename().string();
    if (name.starts_with(".")) {  // glob("**/*.*") skips hidden files and directories
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_image_file(it->path())) out.push_back(it->path());
  }
}

void list_text_file(const fs::path& list, std::vector<fs::path>& out) {
  std::istringstream lines(read_text(list, "image list"));
  const fs::path parent = list.parent_path();
  for (std::string line; std::getline(lines, line);) {
    line = trim(line);
    if (line.empty()) continue;
    fs::path p = line.starts_with("./") ? parent / line.substr(2) : fs::path(line);
    if (p.is_relative()) p = parent / p;
    p = p.lexically_normal();
    if (is_image_file(p)) out.push_back(p);
  }
}

}  // namespace

DataConfig load_data_config(const fs::path& yaml) {
  const std::string file = yaml.string();
  YOLO_CHECK(fs::is_regular_file(yaml), "data config {}: file not found", file);
  const std::string text = read_text(yaml, "data config");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    YOLO_FAIL("data config {}: not valid YAML: {}", file, e.what());
  }
  YOLO_CHECK(root.IsMap(), "data config {}: expected a mapping with train, val and names", file);

  DataConfig cfg;
  cfg.yaml = resolved(yaml);
  try {
    const fs::path yaml_dir = cfg.yaml.parent_path();
    cfg.root = yaml_dir;
    if (const YAML::Node p = root["path"]; p && !p.IsNull()) {
      YOLO_CHECK(p.IsScalar(), "data config {}: 'path:' must be a string", file);
      if (!trim(p.Scalar()).empty()) cfg.root = resolved(yaml_dir / p.Scalar());  // absolute stays absolute
    }

    YOLO_CHECK(root["train"], "data config {}: 'train:' key missing ('train' and 'val' are required)", file);
    const char* val_key = root["val"] ? "val" : "validation";  // ultralytics renames 'validation'
    YOLO_CHECK(root[val_key], "data config {}: 'val:' key missing ('train' and 'val' are required)", file);
    YOLO_CHECK(!root["train"].IsNull(), "data config {}: 'train:' has no path", file);
    YOLO_CHECK(!root[val_key].IsNull(), "data config {}: '{}:' has no path", file, val_key);
    cfg.train = read_entries(root["train"], cfg.root, file, "train");
    cfg.val = read_entries(root[val_key], cfg.root, file, val_key);
    if (const YAML::Node t = root["test"]; t && !t.IsNull() && !(t.IsScalar() && trim(t.Scalar()).empty()))
      cfg.test = read_entries(t, cfg.root, file, "test");

    const YAML::Node names = root["names"];
    const YAML::Node nc = root["nc"];
    const bool has_names = names && !names.IsNull();
    YOLO_CHECK(has_names || nc, "data config {}: 'names:' key missing (either 'names' or 'nc' is required)", file);
    if (has_names) cfg.names = read_names(names, fmt::format("data config {}: 'names:'", file));
    if (nc) {
      cfg.nc = read_nc(nc, fmt::format("data config {}: 'nc:'", file));
      YOLO_CHECK(cfg.nc > 0, "data config {}: 'nc: {}' must be positive", file, cfg.nc);
      YOLO_CHECK(!has_names || static_cast<int>(cfg.names.size()) == cfg.nc,
                 "data config {}: 'names' length {} and 'nc: {}' must match", file, cfg.names.size(), cfg.nc);
    }
    if (!has_names)
      for (int i = 0; i < cfg.nc; ++i) cfg.names.push_back(fmt::format("class_{}", i));
    cfg.nc = static_cast<int>(cfg.names.size());
    YOLO_CHECK(cfg.nc > 0, "data config {}: 'names:' is empty", file);
    if (const YAML::Node ch = root["channels"]; ch && !ch.IsNull()) {
      cfg.channels = read_nc(ch, fmt::format("data config {}: 'channels:'", file));
      YOLO_CHECK(cfg.channels == 1 || cfg.channels == 3, "data config {}: 'channels: {}' must be 1 or 3", file,
                 cfg.channels);
    }
  } catch (const YAML::Exception& e) {
    YOLO_FAIL("data config {}: {}", file, e.what());
  }
  return cfg;
}

bool is_image_file(const fs::path& path) {
  static const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"};
  const std::string ext = lower(path.extension().string());
  return std::any_of(std::begin(kExtensions), std::end(kExtensions), [&](const char* e) { return ext == e; });
}

std::vector<fs::path> list_images(const std::vector<fs::path>& entries) {
  std::vector<fs::path> images;
  for (const fs::path& entry : entries) {
    if (fs::is_directory(entry)) {
      list_directory(entry, images);
    } else if (fs::is_regular_file(entry)) {
      if (is_image_file(entry))
        images.push_back(entry);
      else
        list_text_file(entry, images);
    } else {
      YOLO_FAIL("image source {} does not exist", entry.string());
    }
  }
  std::sort(images.begin(), images.end(), [](const fs::path& a, const fs::path& b) { return a.native() < b.native(); });
  images.erase(std::unique(images.begin(), images.end(),
                           [](const fs::path& a, const fs::path& b) { return a.native() == b.native(); }),
               images.end());
  std::string sources;
  for (const fs::path& e : entries) sources += (sources.empty() ? "" : ", ") + e.string();
  YOLO_CHECK(!images.empty(), "no images found in {} (image files: jpg jpeg png bmp tif tiff webp)", sources);
  return images;
}

fs::path label_path_for(const fs::path& image) {
  std::string s = image.string();
  const std::string from = "/images/", to = "/labels/";
  if (const std::size_t pos = s.rfind(from); pos != std::string::npos) s.replace(pos, from.size(), to);
  return fs::path(s).replace_extension(".txt");
}

}  // namespace yolo
