#pragma once
// defines: TrainOptions and train, the epoch loop of yolo-train as
// ultralytics' DetectionTrainer runs it: mosaic-augmented batches, the
// detection loss (dual for YOLOv9's DualDDetect), nominal-batch gradient
// accumulation, gradient clipping at 10, SGD/AdamW with ultralytics' groups,
// warmup and LR schedule, EMA, per-epoch validation of the EMA, best/last
// checkpoints, results.csv, early stopping.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/dist/rank_environment.h"

namespace yolo {

struct TrainOptions {
  std::string data, cfg, weights, hyp;
  std::string device = "cpu", project = "runs/train", name = "exp", cache = "none", optimizer = "SGD";
  int epochs = 100, batch = 16, imgsz = 640, workers = 2, close_mosaic = 10, min_items = 0, patience = 100;
  int save_period = -1;  // > 0: weights/epochN.safetensors every N epochs (with the state to resume from)
  bool exist_ok = false, cos_lr = false, noval = false, nosave = false;
  bool sync_bn = false;  // SyncBN across the ranks of a data-parallel run
  // Mixed precision: on CUDA on by default in fp16 (or bf16); on the CPU off
  // (f32) unless bf16 is asked for (oneDNN has bf16 convolutions, no f16).
  bool amp = true;
  std::string amp_dtype;  // "fp16", "bf16", or "" (fp16 on CUDA)
  bool dry_run = false;
  // --resume: a run's weights/last.safetensors; the run goes on in its
  // directory from the epoch after the one saved (see train_state.h).
  std::string resume;  // resolve and check everything (data, hyp, model, labels), then stop before training
  std::uint64_t seed = 0;
  // Where --cfg and --hyp are looked for after the working directory.
  std::vector<std::string> model_dirs, config_dirs;
};

// This rank's place in a data-parallel job (see engine/dist).
struct DistributedOptions {
  RankEnvironment environment;
  bool serve_store = true;  // false in thread mode: the process serves it
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // rendezvous and each collective (--ddp-timeout)
  std::size_t bucket_bytes = std::size_t{25} << 20;
};

struct TrainResult {
  std::filesystem::path dir;  // runs/train/NAME
  int epochs_run = 0;
  double best_fitness = 0;
  std::vector<double> epoch_losses;  // the mean total (box + cls + dfl) of each epoch
};

// distributed: null for a single process. --batch is then the global batch,
// split evenly over the ranks; rank 0 alone prints, validates and saves.
TrainResult train(const TrainOptions& options, const DistributedOptions* distributed = nullptr);

}  // namespace yolo
