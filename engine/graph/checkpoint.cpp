#include "engine/graph/checkpoint.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/copy.h"
#include "engine/io/safetensors.h"

namespace yolo {
namespace {

// (O, KH, KW, I) <-> (O, I, KH, KW) on the host.
Tensor ohwi_to_oihw(const Context& host, const Tensor& w) {
  const std::int64_t O = w.dim(0), KH = w.dim(1), KW = w.dim(2), I = w.dim(3);
  Tensor out = host.empty_host({O, I, KH, KW}, DType::f32);
  const float* s = w.data<float>();
  float* d = out.data<float>();
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t h = 0; h < KH; ++h)
      for (std::int64_t x = 0; x < KW; ++x)
        for (std::int64_t i = 0; i < I; ++i) d[((o * I + i) * KH + h) * KW + x] = s[((o * KH + h) * KW + x) * I + i];
  return out;
}

Tensor oihw_to_ohwi(const Context& host, const Tensor& w) {
  const std::int64_t O = w.dim(0), I = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  Tensor out = host.empty_host({O, KH, KW, I}, DType::f32);
  const float* s = w.data<float>();
  float* d = out.data<float>();
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t i = 0; i < I; ++i)
      for (std::int64_t h = 0; h < KH; ++h)
        for (std::int64_t x = 0; x < KW; ++x) d[((o * KH + h) * KW + x) * I + i] = s[((o * I + i) * KH + h) * KW + x];
  return out;
}

Shape pytorch_shape(const Shape& engine_shape) {
  if (engine_shape.ndim() != 4) return engine_shape;
  return {engine_shape[0], engine_shape[3], engine_shape[1], engine_shape[2]};
}

}  // namespace

void save_checkpoint(const Context& ctx, Model& model, const std::string& path,
                     const std::map<std::string, std::string>& extra_metadata,
                     const std::vector<std::pair<std::string, Tensor>>& extra_tensors) {
  Context host;
  std::vector<std::pair<std::string, Tensor>> tensors;
  ParameterStore& store = model.store();
  for (const Parameter& p : store.parameters()) {
    Tensor t = to_host(ctx, p.value);
    tensors.emplace_back(p.name, p.shape.ndim() == 4 ? ohwi_to_oihw(host, t) : t);
  }
  for (const Buffer& b : store.buffers()) tensors.emplace_back(b.name, to_host(ctx, b.value));
  for (const auto& [name, t] : extra_tensors) {
    YOLO_CHECK(name.starts_with(kTrainStatePrefix), "checkpoint: extra tensor {} must be named under {}", name,
               kTrainStatePrefix);
    tensors.emplace_back(name, t);
  }
  std::map<std::string, std::string> metadata = extra_metadata;
  metadata["format"] = kCheckpointFormat;
  metadata["model"] = model.config().stem;
  metadata["model_yaml"] = model.config().text;
  metadata["nc"] = std::to_string(model.config().nc);
  if (model.config().scale.letter != 0) metadata["scale"] = std::string(1, model.config().scale.letter);
  write_safetensors(path, tensors, metadata);
}

CheckpointLoad load_checkpoint(const Context& ctx, Model& model, const std::string& path, bool strict) {
  const SafetensorsFile file = read_safetensors(path);
  Context host;
  CheckpointLoad result;
  result.metadata = file.metadata;
  struct Target {
    const std::string* name;
    Shape engine_shape;
    Tensor* dst;
  };
  std::vector<Target> targets;
  for (Parameter& p : model.store().parameters()) targets.push_back({&p.name, p.shape, &p.value});
  for (Buffer& b : model.store().buffers()) targets.push_back({&b.name, b.shape, &b.value});
  // Everything is checked before anything is copied: a strict load that
  // fails leaves the model as it was.
  std::vector<bool> take(targets.size(), false);
  std::set<std::string> known;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    known.insert(*t.name);
    const Shape expected = pytorch_shape(t.engine_shape);
    auto it = file.entries.find(*t.name);
    if (it == file.entries.end() || it->second.shape != expected || it->second.dtype != DType::f32) {
      YOLO_CHECK(!strict, "{}: tensor {} {}; the model expects f32{}", path, *t.name,
                 it == file.entries.end()
                     ? std::string("is missing")
                     : fmt::format("is {}{}", dtype_name(it->second.dtype), it->second.shape.str()),
                 expected.str());
      ++result.skipped;
      continue;
    }
    take[i] = true;
  }
  if (strict) {
    for (const auto& [name, entry] : file.entries) {
      YOLO_CHECK(known.count(name) > 0 || name.ends_with("num_batches_tracked") || name.starts_with(kTrainStatePrefix),
                 "{}: tensor {} does not belong to model {}", path, name, model.config().stem);
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!take[i]) continue;
    Tensor t = file.tensor(host, *targets[i].name, DType::f32);
    if (targets[i].engine_shape.ndim() == 4) t = oihw_to_ohwi(host, t);
    copy(ctx, t, *targets[i].dst);
    ++result.loaded;
  }
  return result;
}

std::unique_ptr<Model> load_model(const Context& ctx, const std::string& path) {
  const SafetensorsFile file = read_safetensors(path);
  auto field = [&](const char* key) {
    const auto it = file.metadata.find(key);
    YOLO_CHECK(it != file.metadata.end(), "{}: not a yolo-engine checkpoint (no '{}' in its metadata)", path, key);
    return it->second;
  };
  YOLO_CHECK(field("format") == kCheckpointFormat, "{}: checkpoint format '{}', expected '{}'", path, field("format"),
             kCheckpointFormat);
  const auto scale = file.metadata.find("scale");
  const char letter = scale != file.metadata.end() && scale->second.size() == 1 ? scale->second[0] : 0;
  const std::string nc_text = field("nc");
  int nc = 0;
  const auto parsed = std::from_chars(nc_text.data(), nc_text.data() + nc_text.size(), nc);
  YOLO_CHECK(parsed.ec == std::errc{} && parsed.ptr == nc_text.data() + nc_text.size() && nc > 0,
             "{}: metadata nc '{}' is not a class count", path, nc_text);
  auto model = std::make_unique<Model>(ctx, parse_model_config(field("model_yaml"), path, letter, nc));
  load_checkpoint(ctx, *model, path, true);
  return model;
}

std::unique_ptr<Model> load_model_for_inference(const Context& ctx, const std::string& path, bool half) {
  std::unique_ptr<Model> model = load_model(ctx, path);
  model->train(false);
  model->fuse(ctx);
  if (half) model->set_half_precision(ctx, half_precision_for(ctx.device()));
  return model;
}

std::vector<std::string> checkpoint_class_names(const std::string& path) {
  const SafetensorsFile file = read_safetensors(path);
  const auto it = file.metadata.find("names");
  if (it == file.metadata.end()) return {};
  const nlohmann::json names = nlohmann::json::parse(it->second, nullptr, false);
  YOLO_CHECK(names.is_array(), "{}: metadata names is not a JSON list", path);
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(n.is_string() ? n.get<std::string>() : n.dump());
  return out;
}

}  // namespace yolo
