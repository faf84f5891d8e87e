#include "engine/graph/model_config.h"

#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/core/error.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  YOLO_CHECK(in.good(), "model config {}: cannot read the file", path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "yolov8n" -> 'n' (ultralytics' guess_model_scale); 0 when there is none.
char scale_letter_of(const std::string& stem) {
  static const std::regex pattern(R"(yolov\d+([nslmx]))");
  std::smatch m;
  return std::regex_search(stem, m, pattern) ? m[1].str()[0] : 0;
}

// "yolov8n.yaml" -> "yolov8.yaml": the file that holds every scale.
std::string unscaled_name(const std::string& filename) {
  static const std::regex pattern(R"((\d+)([nslmx])(.+)?$)");
  const fs::path p(filename);
  return std::regex_replace(p.stem().string(), pattern, "$1$3") + p.extension().string();
}

Arg to_arg(const YAML::Node& node, int nc, const std::string& where) {
  Arg a;
  if (!node.IsDefined() || node.IsNull()) return a;
  if (node.IsSequence()) {
    a.kind = Arg::Kind::list;
    for (const YAML::Node& item : node) a.list.push_back(to_arg(item, nc, where));
    return a;
  }
  YOLO_CHECK(node.IsScalar(), "{}: an argument is a mapping; expected a number, string, bool or list", where);
  const std::string s = node.Scalar();
  if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {  // unquoted: may be a number or bool
    std::int64_t i = 0;
    double d = 0.0;
    bool b = false;
    if (YAML::convert<std::int64_t>::decode(node, i)) {
      a.kind = Arg::Kind::integer;
      a.integer = i;
      return a;
    }
    if (YAML::convert<double>::decode(node, d)) {
      a.kind = Arg::Kind::number;
      a.number = d;
      return a;
    }
    if (YAML::convert<bool>::decode(node, b)) {
      a.kind = Arg::Kind::boolean;
      a.boolean = b;
      return a;
    }
  }
  if (s == "nc") {  // the YAML's own symbol, as ultralytics resolves it
    a.kind = Arg::Kind::integer;
    a.integer = nc;
  } else if (s == "None") {
    a.kind = Arg::Kind::null;
  } else {
    a.kind = Arg::Kind::string;
    a.string = s;
  }
  return a;
}

}  // namespace

std::string Arg::str() const {
  switch (kind) {
    case Kind::null:
      return "None";
    case Kind::integer:
      return std::to_string(integer);
    case Kind::number:
      return fmt::format("{}", number);
    case Kind::boolean:
      return boolean ? "True" : "False";
    case Kind::string:
      return "'" + string + "'";
    case Kind::list: {
      std::string s = "[";
      for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + list[i].str();
      return s + "]";
    }
  }
  return "?";
}

ModelConfig parse_model_config(const std::string& text, const std::string& path, char scale_letter, int nc_override) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    YOLO_FAIL("model config {}: not valid YAML: {}", path, e.what());
  }
  YOLO_CHECK(root.IsMap(), "model config {}: expected a mapping with nc, backbone and head", path);
  ModelConfig cfg;
  cfg.path = path;
  cfg.text = text;
  cfg.stem = fs::path(path).stem().string();
  try {
    if (root["nc"]) cfg.nc = root["nc"].as<int>();
    if (nc_override > 0) cfg.nc = nc_override;
    YOLO_CHECK(cfg.nc > 0, "model config {}: nc must be positive, got {}", path, cfg.nc);
    if (root["ch"]) cfg.input_channels = root["ch"].as<int>();
    if (const YAML::Node scales = root["scales"]; scales && scales.IsMap() && scales.size() > 0) {
      // The letter from the name, else the YAML's own `scale:` key, else (as
      // ultralytics does, with a warning) the first scale listed.
      std::string key;
      if (scale_letter != 0) {
        key = std::string(1, scale_letter);
      } else if (root["scale"]) {
        key = root["scale"].as<std::string>();
      } else {
        key = scales.begin()->first.as<std::string>();
      }
      YOLO_CHECK(scales[key], "model config {}: no scale '{}' in scales", path, key);
      // Looked up by key: yaml-cpp's iterators hand out temporaries.
      const YAML::Node s = scales[key];
      YOLO_CHECK(s.IsSequence() && s.size() == 3, "model config {}: scale '{}' must be [depth, width, max_channels]",
                 path, key);
      cfg.scale = {key[0], s[0].as<double>(), s[1].as<double>(), s[2].as<std::int64_t>()};
      cfg.stem = std::regex_replace(cfg.stem, std::regex(R"((yolov\d+)([nslmx])?)"), "$1" + key);
    } else {
      // YOLOv5/YOLOv9-style multipliers (no max_channels).
      cfg.yolov5_style = root["depth_multiple"] || root["width_multiple"];
      if (root["depth_multiple"]) cfg.scale.depth = root["depth_multiple"].as<double>();
      if (root["width_multiple"]) cfg.scale.width = root["width_multiple"].as<double>();
    }
  } catch (const YAML::Exception& e) {
    YOLO_FAIL("model config {}: {}", path, e.what());
  }

  int index = 0;
  for (const char* section : {"backbone", "head"}) {
    const YAML::Node rows = root[section];
    YOLO_CHECK(rows && rows.IsSequence(), "model config {}: missing '{}' list", path, section);
    int section_row = 0;
    for (const YAML::Node& row : rows) {
      const std::string where =
          fmt::format("model config {}, {} row {} (layer {})", path, section, section_row++, index);
      YOLO_CHECK(row.IsSequence() && row.size() == 4, "{}: expected [from, repeats, module, args]", where);
      ModelRow r;
      r.index = index;
      try {
        std::vector<int> from;
        if (row[0].IsSequence()) {
          for (const YAML::Node& f : row[0]) from.push_back(f.as<int>());
        } else {
          from.push_back(row[0].as<int>());
        }
        YOLO_CHECK(!from.empty(), "{}: empty 'from'", where);
        for (int f : from) {
          // -1 on the first layer is the input image (kept as -1).
          const int absolute = f < 0 ? index + f : f;
          YOLO_CHECK((absolute >= 0 && absolute < index) || (absolute == -1 && index == 0),
                     "{}: from index {} does not name an earlier layer", where, f);
          r.from.push_back(absolute);
        }
        r.repeats = row[1].as<int>();
        YOLO_CHECK(r.repeats >= 1, "{}: repeats must be >= 1, got {}", where, r.repeats);
        r.module = row[2].as<std::string>();
        YOLO_CHECK(row[3].IsSequence() || row[3].IsNull(), "{}: args must be a list", where);
        for (const YAML::Node& a : row[3]) r.args.push_back(to_arg(a, cfg.nc, where));
      } catch (const YAML::Exception& e) {
        YOLO_FAIL("{}: {}", where, e.what());
      }
      cfg.rows.push_back(std::move(r));
      ++index;
    }
  }
  YOLO_CHECK(!cfg.rows.empty(), "model config {}: no layers", path);
  return cfg;
}

ModelConfig load_model_config(const std::string& name, const std::vector<std::string>& search_dirs, int nc_override) {
  const fs::path given(name);
  const char letter = scale_letter_of(given.stem().string());
  if (fs::is_regular_file(given)) return parse_model_config(read_text(given), given.string(), letter, nc_override);
  std::vector<fs::path> dirs = {fs::current_path()};
  for (const std::string& d : search_dirs) dirs.emplace_back(d);
  std::vector<std::string> tried;
  std::vector<std::string> files = {given.filename().string()};
  if (unscaled_name(files[0]) != files[0]) files.push_back(unscaled_name(files[0]));
  for (const std::string& file : files) {
    for (const fs::path& dir : dirs) {
      const fs::path candidate = dir / file;
      if (fs::is_regular_file(candidate)) {
        ModelConfig cfg = parse_model_config(read_text(candidate), candidate.string(), letter, nc_override);
        return cfg;
      }
      tried.push_back(candidate.string());
    }
  }
  YOLO_FAIL("model config '{}' not found (looked for {})", name, fmt::join(tried, ", "));
}

}  // namespace yolo
