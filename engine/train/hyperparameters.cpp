#include "engine/train/hyperparameters.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "engine/core/error.h"

namespace yolo {

Hyperparameters load_hyperparameters(const std::filesystem::path& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    YOLO_FAIL("{}: {}", path.string(), e.what());
  }
  YOLO_CHECK(root.IsMap(), "{}: a hyp file is a map of key: value", path.string());
  Hyperparameters h;
  AugmentOptions& a = h.augment;
  // key -> (field, lowest allowed, highest allowed)
  struct Field {
    double* value;
    double lo, hi;
  };
  const std::map<std::string, Field> fields = {
      {"lr0", {&h.lr0, 0, 10}},          {"lrf", {&h.lrf, 0, 1}},
      {"momentum", {&h.momentum, 0, 1}}, {"weight_decay", {&h.weight_decay, 0, 1}},
      {"warmup_epochs", {&h.warmup_epochs, 0, 1e6}}, {"warmup_momentum", {&h.warmup_momentum, 0, 1}},
      {"warmup_bias_lr", {&h.warmup_bias_lr, 0, 10}}, {"box", {&h.box, 0, 1e3}},
      {"cls", {&h.cls, 0, 1e3}},         {"dfl", {&h.dfl, 0, 1e3}},
      {"hsv_h", {&a.hsv_h, 0, 1}},       {"hsv_s", {&a.hsv_s, 0, 1}},
      {"hsv_v", {&a.hsv_v, 0, 1}},       {"degrees", {&a.degrees, 0, 180}},
      {"translate", {&a.translate, 0, 0.9}}, {"scale", {&a.scale, 0, 0.95}},
      {"shear", {&a.shear, 0, 89}},      {"perspective", {&a.perspective, 0, 0.1}},
      {"flipud", {&a.flipud, 0, 1}},     {"fliplr", {&a.fliplr, 0, 1}},
      {"mosaic", {&a.mosaic, 0, 1}},     {"mixup", {&h.mixup, 0, 1}},
      {"copy_paste", {&h.copy_paste, 0, 1}}, {"nbs", {&h.nbs, 1, 1e6}},
  };
  // YOLOv5's anchor-based loss: read, and reported as without effect.
  const char* const anchor_loss_keys[] = {"cls_pw", "obj", "obj_pw", "iou_t", "anchor_t", "fl_gamma", "label_smoothing"};
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    double value = 0;
    try {
      value = item.second.as<double>();
    } catch (const YAML::Exception&) {
      YOLO_FAIL("{}: {} must be a number", path.string(), key);
    }
    if (const auto it = fields.find(key); it != fields.end()) {
      YOLO_CHECK(value >= it->second.lo && value <= it->second.hi, "{}: {} = {} is outside [{}, {}]", path.string(),
                 key, value, it->second.lo, it->second.hi);
      *it->second.value = value;
      continue;
    }
    const bool anchor_loss =
        std::any_of(std::begin(anchor_loss_keys), std::end(anchor_loss_keys), [&](const char* k) { return key == k; });
    YOLO_CHECK(anchor_loss, "{}: unknown hyper-parameter '{}'", path.string(), key);
    h.ignored.push_back(key);
  }
  // Read, accepted, not built yet: the caller reports them.
  if (h.mixup > 0) h.ignored.push_back("mixup");
  if (h.copy_paste > 0) h.ignored.push_back("copy_paste");
  return h;
}

}  // namespace yolo
