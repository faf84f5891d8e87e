#include "engine/train/train_state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/graph/checkpoint.h"
#include "engine/io/safetensors.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kValues = std::string(kTrainStatePrefix) + "values";
const std::string kBuffers = std::string(kTrainStatePrefix) + "buffers";
const std::string kGrads = std::string(kTrainStatePrefix) + "grads";
const std::string kMoment[2] = {std::string(kTrainStatePrefix) + "optimizer_first",
                                std::string(kTrainStatePrefix) + "optimizer_second"};

// A path that exists from here, made absolute (the resumed run may start
// elsewhere); other names (a hyp file found in configs/) stay as given.
std::string absolute(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::exists(path, ec) ? fs::absolute(path).string() : path;
}

json options_json(const TrainOptions& o) {
  return {{"data", absolute(o.data)}, {"cfg", o.cfg}, {"weights", o.weights}, {"hyp", absolute(o.hyp)},
          {"device", o.device}, {"project", o.project}, {"name", o.name}, {"cache", o.cache},
          {"optimizer", o.optimizer}, {"epochs", o.epochs}, {"batch", o.batch}, {"imgsz", o.imgsz},
          {"workers", o.workers}, {"close_mosaic", o.close_mosaic}, {"min_items", o.min_items},
          {"patience", o.patience}, {"save_period", o.save_period}, {"cos_lr", o.cos_lr}, {"noval", o.noval}, {"nosave", o.nosave},
          {"seed", o.seed}, {"sync_bn", o.sync_bn}, {"amp", o.amp}, {"amp_dtype", o.amp_dtype}};
}

TrainOptions options_from(const json& j) {
  TrainOptions o;
  j.at("data").get_to(o.data), j.at("cfg").get_to(o.cfg), j.at("weights").get_to(o.weights);
  j.at("hyp").get_to(o.hyp), j.at("device").get_to(o.device), j.at("project").get_to(o.project);
  j.at("name").get_to(o.name), j.at("cache").get_to(o.cache), j.at("optimizer").get_to(o.optimizer);
  j.at("epochs").get_to(o.epochs), j.at("batch").get_to(o.batch), j.at("imgsz").get_to(o.imgsz);
  j.at("workers").get_to(o.workers), j.at("close_mosaic").get_to(o.close_mosaic);
  j.at("min_items").get_to(o.min_items), j.at("patience").get_to(o.patience), j.at("save_period").get_to(o.save_period), j.at("cos_lr").get_to(o.cos_lr);
  j.at("noval").get_to(o.noval), j.at("nosave").get_to(o.nosave), j.at("seed").get_to(o.seed);
  j.at("sync_bn").get_to(o.sync_bn), j.at("amp").get_to(o.amp), j.at("amp_dtype").get_to(o.amp_dtype);
  return o;
}

json state_json(const TrainState& s) {
  return {{"epochs_done", s.epochs_done}, {"best_fitness", s.best_fitness}, {"best_epoch", s.best_epoch},
          {"last_step", s.last_step}, {"ema_updates", s.ema_updates}, {"optimizer_steps", s.optimizer_steps},
          {"amp_scale", s.amp_scale}, {"amp_good_steps", s.amp_good_steps}};
}

TrainState state_from(const json& j) {
  TrainState s;
  j.at("epochs_done").get_to(s.epochs_done), j.at("best_fitness").get_to(s.best_fitness);
  j.at("best_epoch").get_to(s.best_epoch), j.at("last_step").get_to(s.last_step);
  j.at("ema_updates").get_to(s.ema_updates), j.at("optimizer_steps").get_to(s.optimizer_steps);
  j.at("amp_scale").get_to(s.amp_scale), j.at("amp_good_steps").get_to(s.amp_good_steps);
  return s;
}

// A flat training-state tensor into `target`, checking its size.
void restore_flat(const Context& ctx, const SafetensorsFile& file, const std::string& path, const std::string& name,
                  Tensor& target) {
  const Context host;
  const Tensor saved = file.tensor(host, name, DType::f32);
  YOLO_CHECK(saved.numel() == target.numel(), "{}: {} holds {} values, the model {}", path, name, saved.numel(),
             target.numel());
  copy(ctx, saved, target);
}

}  // namespace

std::map<std::string, std::string> train_state_metadata(const TrainOptions& options, const TrainState& state) {
  return {{"train_options", options_json(options).dump()}, {"train_state", state_json(state).dump()}};
}

std::vector<std::pair<std::string, Tensor>> train_state_tensors(const Context& ctx, ParameterStore& model,
                                                               Optimizer& optimizer, bool with_grads) {
  std::vector<std::pair<std::string, Tensor>> tensors = {{kValues, to_host(ctx, model.values())}};
  if (with_grads) tensors.emplace_back(kGrads, to_host(ctx, model.grads()));
  if (model.buffer_values().defined()) tensors.emplace_back(kBuffers, to_host(ctx, model.buffer_values()));
  for (int k = 0; k < 2; ++k) {
    if (optimizer.state(k).defined()) tensors.emplace_back(kMoment[k], to_host(ctx, optimizer.state(k)));
  }
  return tensors;
}

ResumePoint read_resume_point(const std::string& path) {
  YOLO_CHECK(fs::is_regular_file(path), "--resume {}: no such checkpoint", path);
  const SafetensorsFile file = read_safetensors(path);
  auto field = [&](const char* key) -> const std::string& {
    const auto it = file.metadata.find(key);
    YOLO_CHECK(it != file.metadata.end(),
               "--resume {}: this checkpoint holds no training state (resume from a run's weights/last.safetensors)",
               path);
    return it->second;
  };
  ResumePoint point;
  try {
    point.options = options_from(json::parse(field("train_options")));
    point.state = state_from(json::parse(field("train_state")));
  } catch (const json::exception& e) {
    YOLO_FAIL("--resume {}: its training state is damaged ({})", path, e.what());
  }
  point.model_yaml = field("model_yaml");
  const auto scale = file.metadata.find("scale");
  if (scale != file.metadata.end() && scale->second.size() == 1) point.scale = scale->second[0];
  return point;
}

void restore_training(const Context& ctx, const std::string& path, const TrainState& state, Model& model,
                      Optimizer& optimizer, Model& ema_model, ModelEma& ema) {
  const SafetensorsFile file = read_safetensors(path);
  restore_flat(ctx, file, path, kValues, model.store().values());
  if (model.store().buffer_values().defined()) restore_flat(ctx, file, path, kBuffers, model.store().buffer_values());
  if (file.entries.count(kGrads) > 0) restore_flat(ctx, file, path, kGrads, model.store().grads());
  for (int k = 0; k < 2; ++k) {
    if (optimizer.state(k).defined()) restore_flat(ctx, file, path, kMoment[k], optimizer.state(k));
  }
  optimizer.restore_steps(state.optimizer_steps);
  load_checkpoint(ctx, ema_model, path, true);
  ema.restore(ctx, ema_model.store(), state.ema_updates);
}

std::string latest_last_checkpoint(const std::string& project) {
  fs::path latest;
  fs::file_time_type newest{};
  std::error_code ec;
  if (fs::is_directory(project, ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(project, ec)) {
      if (entry.path().filename() != "last.safetensors") continue;
      const auto written = entry.last_write_time(ec);
      if (latest.empty() || written > newest) latest = entry.path(), newest = written;
    }
  }
  YOLO_CHECK(!latest.empty(), "--resume: no weights/last.safetensors under {} to resume; give the checkpoint's path",
             project);
  return latest.string();
}

}  // namespace yolo
