#pragma once
// defines: ModelConfig, ModelRow, Arg, load_model_config: an ultralytics
// model YAML (nc, scales, backbone, head; rows [from, repeats, module, args])
// read into plain structs, with the scale chosen and the YAML's own symbols
// (nc) resolved. Module semantics live in the graph builder, not here.
#include <cstdint>
#include <string>
#include <vector>

namespace yolo {

// One argument of a row: YAML scalars and lists, as the YAML wrote them.
struct Arg {
  enum class Kind { null, integer, number, boolean, string, list };
  Kind kind = Kind::null;
  std::int64_t integer = 0;
  double number = 0.0;
  bool boolean = false;
  std::string string;
  std::vector<Arg> list;

  std::string str() const;  // for error messages
};

struct ModelRow {
  int index = 0;          // position in backbone + head
  std::vector<int> from;  // absolute row indices; -1 (first layer only) is the input image
  int repeats = 1;        // as written (before depth scaling)
  std::string module;     // "Conv", "C2f", "nn.Upsample", ...
  std::vector<Arg> args;  // as written, with "nc" replaced by the class count
};

struct ModelScale {
  char letter = 0;  // 0: the YAML has no scales (or a single model)
  double depth = 1.0, width = 1.0;
  std::int64_t max_channels = 1 << 30;
};

struct ModelConfig {
  std::string path;  // the file read
  std::string text;  // its YAML text (checkpoints keep it)
  std::string stem;  // the model's name, e.g. "yolov8n"
  int nc = 80;
  int input_channels = 3;
  ModelScale scale;
  // Written for the YOLOv5/YOLOv9 repositories (depth_multiple and
  // width_multiple, no scales): their model summary is the reference.
  bool yolov5_style = false;
  std::vector<ModelRow> rows;
};

// Resolves `name` like ultralytics: an existing path is read as is;
// otherwise "yolov8n.yaml" is looked up (then "yolov8.yaml" at scale n) in
// the working directory, then in each of search_dirs. nc_override > 0
// replaces the YAML's nc. Any problem is a yolo::Error naming the file and
// the row.
ModelConfig load_model_config(const std::string& name, const std::vector<std::string>& search_dirs,
                              int nc_override = 0);
// The same from YAML text (path is used in messages only).
ModelConfig parse_model_config(const std::string& text, const std::string& path, char scale_letter,
                               int nc_override = 0);

}  // namespace yolo
