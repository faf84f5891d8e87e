#pragma once
// defines: TrainState, ResumePoint and the functions that put a run's state
// into its last checkpoint and take it back out for --resume: the options
// the run was started with, the epoch and step it reached, the best
// fitness, the raw weights and buffers (the checkpoint's model tensors are
// the EMA's), the optimizer's moments and step count, the EMA's update
// count. The data need no position: every epoch's order and augmentation
// follow from (seed, epoch, index), so a run resumes at an epoch boundary
// and goes on exactly as if never stopped.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/model.h"
#include "engine/optim/ema.h"
#include "engine/optim/optimizer.h"
#include "engine/train/trainer.h"

namespace yolo {

struct TrainState {
  int epochs_done = 0;          // completed epochs
  double best_fitness = 0.0;
  int best_epoch = -1;          // -1: none yet
  std::int64_t last_step = -1;  // the iteration of the last optimizer step
  std::int64_t ema_updates = 0, optimizer_steps = 0;
  float amp_scale = 65536.0f;  // fp16 mixed precision's loss scale
  int amp_good_steps = 0;
};

// Metadata entries ("train_options", "train_state") and tensors
// (kTrainStatePrefix ...) for save_checkpoint.
std::map<std::string, std::string> train_state_metadata(const TrainOptions& options, const TrainState& state);
// with_grads: gradients accumulated for a step not taken yet.
std::vector<std::pair<std::string, Tensor>> train_state_tensors(const Context& ctx, ParameterStore& model,
                                                               Optimizer& optimizer, bool with_grads);

struct ResumePoint {
  TrainOptions options;  // as the run was started (data, hyp as absolute paths)
  TrainState state;
  std::string model_yaml;  // the run's model (its --cfg may not resolve from here)
  char scale = 0;
};

// What `path` (a last.safetensors written by yolo-train) resumes; a clear
// error if it holds no training state (best.safetensors, an ultralytics
// conversion) or is not a checkpoint.
ResumePoint read_resume_point(const std::string& path);

// Puts the raw weights and buffers (and accumulated gradients, if saved)
// into `model`, the moments and step count into `optimizer`, and the EMA (the checkpoint's model tensors, loaded into
// `ema_model`) into `ema`.
void restore_training(const Context& ctx, const std::string& path, const TrainState& state, Model& model,
                      Optimizer& optimizer, Model& ema_model, ModelEma& ema);

// The most recently written weights/last.safetensors under `project`, for
// a bare --resume (YOLOv5's get_latest_run); a clear error if none.
std::string latest_last_checkpoint(const std::string& project);

}  // namespace yolo
