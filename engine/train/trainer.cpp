#include "engine/train/trainer.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/core/copy.h"
#include "engine/core/error.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/data/plot_batch.h"
#include "engine/data/plot_labels.h"
#include "engine/dist/process_group.h"
#include "engine/dist/reducer.h"
#include "engine/dist/sync_batchnorm.h"
#include "engine/eval/validator.h"
#include "engine/graph/checkpoint.h"
#include "engine/graph/model_config.h"
#include "engine/graph/modules/detect.h"
#include "engine/io/run_directory.h"
#include "engine/loss/batch_targets.h"
#include "engine/ops/elementwise.h"
#include "engine/optim/ema.h"
#include "engine/optim/grad_scaler.h"
#include "engine/optim/optimizer.h"
#include "engine/train/loss_options.h"
#include "engine/train/plot_results.h"
#include "engine/train/progress_bar.h"
#include "engine/train/schedule.h"
#include "engine/train/train_state.h"

namespace yolo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The working directory first, then each search directory.
fs::path resolve(const std::string& name, const std::vector<std::string>& dirs) {
  if (fs::exists(name)) return name;
  for (const std::string& dir : dirs) {
    if (fs::exists(fs::path(dir) / name)) return fs::path(dir) / name;
    if (fs::exists(fs::path(dir) / fs::path(name).filename())) return fs::path(dir) / fs::path(name).filename();
  }
  YOLO_FAIL("{}: not found (looked in the working directory and {} more)", name, dirs.size());
}

// ultralytics' optimizer choice: "auto" is SGD (lr 0.01, momentum 0.9) for
// long runs (> 10000 iterations of the nominal batch), else AdamW at lr
// round(0.002 * 5 / (4 + nc), 6). (ultralytics 8.4 picks its MuSGD for long
// runs; the engine has no Muon and takes SGD.)
OptimizerOptions choose_optimizer(const TrainOptions& o, Hyperparameters& hyp, std::int64_t iterations, int nc,
                                  bool print) {
  OptimizerOptions opt;
  std::string name = o.optimizer;
  if (name == "auto") {
    if (iterations > 10000) {
      name = "SGD", hyp.lr0 = 0.01, hyp.momentum = 0.9;
    } else {
      name = "AdamW", hyp.lr0 = std::round(0.002 * 5 / (4 + nc) * 1e6) / 1e6, hyp.momentum = 0.9;
    }
    hyp.warmup_bias_lr = 0.0;  // as ultralytics: no high bias warmup when it chooses
    if (print) fmt::print("optimizer: 'auto' chose {} (lr0 {}, momentum {})\n", name, hyp.lr0, hyp.momentum);
  }
  YOLO_CHECK(name == "SGD" || name == "AdamW", "--optimizer {}: expected SGD, AdamW or auto", o.optimizer);
  opt.type = name == "SGD" ? OptimizerType::sgd : OptimizerType::adamw;
  opt.momentum = static_cast<float>(hyp.momentum);
  return opt;
}

std::string args_yaml(const TrainOptions& o) {
  return fmt::format(
      "data: {}\ncfg: {}\nweights: '{}'\nhyp: {}\nepochs: {}\nbatch: {}\nimgsz: {}\ndevice: {}\nworkers: {}\n"
      "close_mosaic: {}\nmin_items: {}\noptimizer: {}\ncos_lr: {}\npatience: {}\nseed: {}\ncache: {}\nsync_bn: {}\n"
      "amp: {}\namp_dtype: '{}'\n",
      o.data, o.cfg, o.weights, o.hyp, o.epochs, o.batch, o.imgsz, o.device, o.workers, o.close_mosaic, o.min_items,
      o.optimizer, o.cos_lr, o.patience, o.seed, o.cache, o.sync_bn, o.amp, o.amp_dtype);
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The device and CPU threads of this rank: in thread mode the ranks of a
// node share its cores.
Context make_context(const TrainOptions& o, const DistributedOptions* distributed) {
  if (!distributed) return Context(Device::parse(o.device));
  const RankEnvironment& env = distributed->environment;
  ContextOptions options;
  if (env.launcher == "threads")
    options.num_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / env.local_world_size);
  return Context(device_for_rank(o.device, env.local_rank, env.local_world_size), options);
}

constexpr const char* kCsvHeader =
    "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),"
    "metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2\n";

// The first `rows` data rows of a results.csv (fewer if it has fewer).
std::vector<std::string> csv_rows(const fs::path& file, int rows) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // the header
  while (static_cast<int>(out.size()) < rows && std::getline(in, line)) out.push_back(line);
  return out;
}

// The half dtype of mixed-precision training, or f32 (off): fp16 by default
// on CUDA; on the CPU only bf16 when asked for.
DType amp_dtype(const TrainOptions& o, const Device& device) {
  YOLO_CHECK(o.amp_dtype.empty() || o.amp_dtype == "fp16" || o.amp_dtype == "bf16",
             "--amp-dtype {}: expected fp16 or bf16", o.amp_dtype);
  if (!o.amp) return DType::f32;
  if (device.is_cuda()) return o.amp_dtype == "bf16" ? DType::bf16 : DType::f16;
  YOLO_CHECK(o.amp_dtype != "fp16", "--amp-dtype fp16 needs CUDA (the CPU has no f16 convolutions): use bf16, or --no-amp");
  return o.amp_dtype == "bf16" ? DType::bf16 : DType::f32;
}

// Rank 0's decision to stop, on every rank (all ranks leave the epoch loop
// together, or the others would wait in a collective for it).
bool stop_together(const Context& ctx, ProcessGroup* group, bool stop) {
  if (!group) return stop;
  Tensor flag = ctx.empty({1}, DType::f32);  // on the communicator's device
  fill(ctx, flag, stop ? 1.0 : 0.0);
  // The others wait here while rank 0 validates and saves, which can take
  // far longer than any collective: they get hours, as ultralytics' ranks do.
  // Rank 0 sends once they wait (a send completes when the peer receives):
  // the usual timeout, so that a hung peer still ends the run.
  const auto waiting = std::max<std::chrono::milliseconds>(group->timeout(), std::chrono::hours(3));
  group->communicator().broadcast(flag, 0, group->rank() == 0 ? group->timeout() : waiting);
  return to_host(ctx, flag).data<float>()[0] != 0.0f;
}

}  // namespace

TrainResult train(const TrainOptions& o, const DistributedOptions* distributed) {
  YOLO_CHECK(o.epochs >= 1, "--epochs {} must be at least 1", o.epochs);
  YOLO_CHECK(o.batch >= 1, "--batch {} must be at least 1", o.batch);
  YOLO_CHECK(o.imgsz >= 32 && o.imgsz % 32 == 0, "--img {} must be a positive multiple of 32", o.imgsz);
  const int world = distributed ? distributed->environment.world_size : 1;
  const bool main_rank = !distributed || distributed->environment.rank == 0;  // prints, validates, saves
  YOLO_CHECK(o.batch % world == 0, "--batch {} is not divisible by the {} ranks: give a multiple of {}", o.batch, world,
             world);
  const int rank_batch = o.batch / world;
  const Context ctx = make_context(o, distributed);
  std::unique_ptr<ProcessGroup> group;
  if (distributed) {
    ProcessGroupOptions po;
    po.timeout = distributed->timeout, po.serve_store = distributed->serve_store;
    group = std::make_unique<ProcessGroup>(ctx, distributed->environment, po);
  }
  Diagnostics diag(main_rank);
  const DataConfig data = load_data_config(o.data);
  Hyperparameters hyp = o.hyp.empty() ? Hyperparameters{} : load_hyperparameters(resolve(o.hyp, o.config_dirs));
  if (!hyp.ignored.empty() && main_rank) {
    std::string keys;
    for (const std::string& k : hyp.ignored) keys += (keys.empty() ? "" : ", ") + k;
    fmt::print("hyp: without effect in this engine: {}\n", keys);
  }

  // The model: from a YAML (optionally starting from a checkpoint's
  // weights, those that fit), or a checkpoint as is; resuming, the run's
  // own model (its weights come with the rest of the state below).
  std::unique_ptr<CommunicatorBatchNormSync> sync_bn;  // before the model, which points to it
  std::unique_ptr<Model> model;
  std::optional<ResumePoint> resume;
  if (!o.resume.empty()) {
    resume = read_resume_point(o.resume);
    YOLO_CHECK(resume->state.epochs_done < o.epochs, "--resume {}: the run already finished its {} epochs", o.resume,
               o.epochs);
    model = std::make_unique<Model>(ctx, parse_model_config(resume->model_yaml, o.resume, resume->scale, data.nc));
  } else if (!o.cfg.empty()) {
    model = std::make_unique<Model>(ctx, load_model_config(o.cfg, o.model_dirs, data.nc));
    if (!o.weights.empty()) {
      const CheckpointLoad loaded = load_checkpoint(ctx, *model, o.weights, false);
      if (main_rank)
        fmt::print("weights: {} tensors from {} ({} did not fit)\n", loaded.loaded, o.weights, loaded.skipped);
    }
  } else {
    YOLO_CHECK(!o.weights.empty(), "give --cfg (a model YAML) or --weights (a checkpoint)");
    model = load_model(ctx, o.weights);
  }
  YOLO_CHECK(model->config().nc == data.nc, "the model has {} classes, {} has {}", model->config().nc, o.data, data.nc);
  Model ema_model(ctx, model->config());  // the EMA's weights, for validation and checkpoints
  if (group) {
    // Every rank must train the same thing (resuming: from the same file).
    group->check_same("configuration (flags, model, data or hyper-parameters)",
                      stable_digest(args_yaml(o) + model->config().text + file_text(o.data) +
                                    (o.hyp.empty() ? "" : file_text(resolve(o.hyp, o.config_dirs).string())) +
                                    (o.resume.empty() ? "" : file_text(o.resume))));
  }
  if (group && o.sync_bn) {
    sync_bn = std::make_unique<CommunicatorBatchNormSync>(group->communicator());
    model->set_batchnorm_sync(sync_bn.get());
  }

  DatasetOptions dataset;
  dataset.imgsz = o.imgsz, dataset.cache = parse_cache_mode(o.cache), dataset.workers = o.workers;
  dataset.min_items = o.min_items;
  const Dataset train_set = open_split(data, data.train, "train", dataset, diag);
  // Opened even with --noval: as ultralytics, the final epoch is validated anyway.
  DatasetOptions val_options = dataset;
  val_options.min_items = 0;
  const Dataset val_set = open_split(data, data.val, "val", val_options, diag);
  LoaderOptions lo;
  lo.rank = distributed ? distributed->environment.rank : 0, lo.world_size = world;
  lo.batch = rank_batch, lo.workers = o.workers, lo.hyp = hyp.augment, lo.seed = o.seed, lo.device = ctx.device();
  DataLoader loader(*train_set.store, train_set.labels, lo);
  const std::int64_t nb = loader.batches_per_epoch();
  const std::int64_t nw = warmup_iterations(hyp.warmup_epochs, nb, o.epochs);

  // ultralytics counts the optimizer's iterations in nominal batches.
  const std::int64_t iterations =
      (train_set.store->size() + std::max<std::int64_t>(o.batch, static_cast<std::int64_t>(hyp.nbs)) - 1) /
      std::max<std::int64_t>(o.batch, static_cast<std::int64_t>(hyp.nbs)) * o.epochs;
  OptimizerOptions opt = choose_optimizer(o, hyp, iterations, data.nc, main_rank);
  const int accumulate0 = std::max(1, static_cast<int>(std::nearbyint(hyp.nbs / o.batch)));
  opt.weight_decay = static_cast<float>(hyp.weight_decay * o.batch * accumulate0 / hyp.nbs);  // scaled as ultralytics
  Optimizer optimizer(ctx, model->store(), opt);
  ModelEma ema(ctx, model->store());
  TrainState state;
  model->zero_grad(ctx);
  if (resume) {
    state = resume->state;
    restore_training(ctx, o.resume, state, *model, optimizer, ema_model, ema);
  }
  // All ranks start from rank 0's weights (and, resuming, its optimizer state).
  if (group) {
    broadcast_model_state(group->communicator(), model->store());
    for (int k = 0; k < 2; ++k)
      if (optimizer.state(k).defined()) group->communicator().broadcast(optimizer.state(k), 0);
  }
  // Mixed precision: the layers run in the half dtype on copies of the f32
  // master weights; fp16 needs a loss scale.
  const DType half = amp_dtype(o, ctx.device());
  if (half != DType::f32) model->set_half_precision(ctx, half, /*in_training=*/true);
  GradScaler scaler(half == DType::f16);
  scaler.restore(state.amp_scale, state.amp_good_steps);
  std::int64_t skipped_steps = 0;
  std::unique_ptr<GradientReducer> reducer;
  if (group) reducer = std::make_unique<GradientReducer>(model->store(), group->communicator(),
                                                         ReducerOptions{distributed->bucket_bytes, std::size_t{1} << 20});
  const DetectionLossOptions loss_options = training_loss_options(hyp, model->head().type());
  const std::vector<float> strides = model->strides();

  TrainResult result;
  if (o.dry_run && main_rank) {
    fmt::print("dry run: {} ({} classes) on {}, {} training images, {} batches of {} per epoch, optimizer {}\n",
               model->config().stem, data.nc, ctx.device().str(), train_set.store->size(), nb, o.batch,
               opt.type == OptimizerType::sgd ? "SGD" : "AdamW");
  }
  if (o.dry_run) return result;
  std::ofstream csv;
  if (main_rank && resume) {
    // The run's directory; results.csv keeps the rows of the epochs saved
    // (a row written after the checkpoint the run died before is dropped).
    result.dir = fs::path(o.resume).parent_path().parent_path();
    const std::vector<std::string> rows = csv_rows(result.dir / "results.csv", state.epochs_done);
    csv.open(result.dir / "results.csv");
    csv << kCsvHeader;
    for (const std::string& row : rows) csv << row << '\n';
    fmt::print("resuming {} from epoch {}/{}\n", result.dir.string(), state.epochs_done + 1, o.epochs);
  } else if (main_rank) {
    result.dir = run_directory(o.project, o.name, o.exist_ok);
    fs::create_directories(result.dir / "weights");
    std::ofstream(result.dir / "args.yaml") << args_yaml(o);
    csv.open(result.dir / "results.csv");
    csv << kCsvHeader;
    if (!o.nosave) plot_labels(result.dir / "labels.jpg", train_set.labels, data.names);
  }
  if (main_rank) {
    fmt::print("training {} for {} epochs on {}: {} images, {} batches of {} per epoch, {} warmup iterations\n",
               model->config().stem, o.epochs,
               group ? fmt::format("{} ranks ({}, {}){}", world, group->communicator().backend(), ctx.device().str(),
                                   sync_bn ? ", SyncBN" : "")
                     : ctx.device().str(),
               train_set.store->size(), nb, group ? fmt::format("{} ({} per rank)", o.batch, rank_batch)
                                                  : std::to_string(o.batch), nw);
  }
  const std::string names = nlohmann::json(data.names).dump();

  const auto start = Clock::now();
  std::int64_t last_step = state.last_step;
  int best_epoch = state.best_epoch;
  result.best_fitness = state.best_fitness;
  for (int epoch = state.epochs_done; epoch < o.epochs; ++epoch) {
    model->train(true);
    // ultralytics: no mosaic from epoch (epochs - close_mosaic) on (from the start if that is negative).
    const int close_at = std::max(o.epochs - o.close_mosaic, 0);
    const bool mosaic = !(o.close_mosaic > 0 && epoch >= close_at);
    if (o.close_mosaic > 0 && epoch == close_at && main_rank) fmt::print("closing mosaic for the last {} epochs\n", o.epochs - close_at);
    loader.start_epoch(epoch, mosaic);
    double sums[3] = {0, 0, 0};
    std::int64_t batches = 0;
    StepSettings settings{};
    double communication = 0, exposed = 0;  // seconds of gradient all-reduce this epoch
    const auto epoch_start = Clock::now();
    std::optional<EpochProgress> progress(std::in_place, main_rank && stdout_is_terminal(), epoch + 1, o.epochs, nb);
    while (std::optional<Batch> batch = loader.next(ctx)) {
      const std::int64_t ni = batch->number + nb * epoch;
      settings = step_settings(hyp, ni, nw, epoch, o.epochs, o.cos_lr, o.batch, nb * o.epochs);
      if (opt.type == OptimizerType::sgd) optimizer.set_momentum(settings.momentum);
      if (epoch == 0 && batch->number < 3 && !o.nosave && main_rank) {
        const Tensor pixels = to_host(ctx, batch->images);
        plot_batch(result.dir / fmt::format("train_batch{}.jpg", batch->number), pixels, batch->labels, data.names);
      }
      const DetectionTargets targets = batch_targets(ctx, batch->labels);
      const Tensors outputs = model->forward(ctx, batch->images);
      std::vector<Tensor> grads;
      const Tensor loss = head_loss(ctx, outputs, strides, targets, loss_options, grads);
      if (group) {
        // The ranks' mean: what rank 0 reports, and every rank sees a NaN
        // anywhere, so all of them stop together below.
        Tensor shared = loss;
        group->communicator().all_reduce(shared, ReduceOp::average);
      }
      const Tensor items = to_host(ctx, loss);
      const float* v = items.data<float>();
      YOLO_CHECK(std::isfinite(v[3]), "the loss is {} at epoch {}, batch {}: stopping{}", v[3], epoch + 1,
                 batch->number + 1, epoch > 0 && !o.nosave ? " (weights/last.safetensors holds the last good epoch)" : "");
      const bool update = ni - last_step >= settings.accumulate;
      if (scaler.enabled()) {
        for (Tensor& g : grads) scale(ctx, scaler.scale(), g, g);  // backward of loss x scale
      }
      if (reducer) {
        // ultralytics multiplies the loss by the world size: the average
        // over ranks is then the sum of their gradients.
        for (Tensor& g : grads) scale(ctx, static_cast<float>(world), g, g);
        reducer->begin_backward(update);  // accumulation steps add up locally
        model->backward(ctx, grads, reducer->hook());
        reducer->finish();
        communication += reducer->times().communication, exposed += reducer->times().exposed;
      } else {
        model->backward(ctx, grads);
      }
      if (update) {
        if (scaler.enabled()) scale(ctx, 1.0f / scaler.scale(), model->store().grads(), model->store().grads());
        const Tensor norm = clip_grad_norm(ctx, model->store(), 10.0f);
        // Mixed precision: a gradient that overflowed the half dtype skips
        // the step (the same on every rank: their gradients are the same).
        const bool finite = half == DType::f32 || std::isfinite(to_host(ctx, norm).data<float>()[0]);
        if (finite) {
          optimizer.step(ctx, settings.lr);
          if (main_rank) ema.update(ctx, model->store());  // only rank 0 validates and saves
        } else {
          ++skipped_steps;
        }
        scaler.update(finite);
        model->zero_grad(ctx);
        if (half != DType::f32) model->refresh_half_weights(ctx);
        last_step = ni;
      }
      for (int k = 0; k < 3; ++k) sums[k] += v[k];
      ++batches;
      std::int64_t instances = 0;
      for (const auto& image : batch->labels) instances += static_cast<std::int64_t>(image.size());
      const double means[3] = {sums[0] / batches, sums[1] / batches, sums[2] / batches};
      progress->update(batches, means, instances, batch->images.dim(1), ctx.allocator().stats().live_bytes);
    }
    progress.reset();  // the bar gives way to the epoch's line
    const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    const double box = sums[0] / batches, cls = sums[1] / batches, dfl = sums[2] / batches;
    result.epoch_losses.push_back(box + cls + dfl);
    result.epochs_run = epoch + 1;
    // Gradients still accumulating for the next step carry into the next
    // epoch (as ultralytics'), so a checkpoint keeps them. Data-parallel, each
    // rank's differ: they are averaged now (the step's all-reduce averages
    // their sum later, so the result is the same), and every rank keeps the
    // same ones, which rank 0 saves.
    const bool accumulating = last_step != nb * (epoch + 1) - 1;
    if (accumulating && group) group->communicator().all_reduce(model->store().grads(), ReduceOp::average);
    if (!main_rank) {
      // Rank 0 validates and saves meanwhile, then says whether to go on.
      if (stop_together(ctx, group.get(), false)) break;
      continue;
    }
    std::string notes;  // what this run does beyond plain f32 on one rank
    if (half != DType::f32) notes += fmt::format("; {} mixed precision", dtype_name(half));
    if (scaler.enabled()) notes += fmt::format(", loss scale {:g}, {} steps skipped", scaler.scale(), skipped_steps);
    if (communication > 0) {
      notes += fmt::format("; all-reduce {:.2f} s, {:.0f}% hidden behind backward", communication,
                           100.0 * (1.0 - std::min(exposed / communication, 1.0)));
    }
    fmt::print("epoch {}/{}: box {:.4f} cls {:.4f} dfl {:.4f}, {:.2f} it/s{}\n", epoch + 1, o.epochs, box, cls, dfl,
               batches / seconds, notes);
    std::fflush(stdout);  // progress shows as it happens, also through a pipe

    ema.copy_to(ctx, ema_model.store());
    DetectionMetricsResult metrics;
    std::array<double, 3> val_losses = {0, 0, 0};  // (none with --noval)
    const bool last_epoch = epoch + 1 == o.epochs;
    if (!o.noval || last_epoch) {
      ValidationOptions vo;
      vo.batch = o.batch * 2, vo.workers = o.workers, vo.loss = loss_options;
      // The pictures of the first batches, as ultralytics: when this may be
      // the last validation (the last epoch, or patience running out).
      const bool may_stop = o.patience > 0 && best_epoch >= 0 && epoch - best_epoch >= o.patience;
      if ((last_epoch || may_stop) && !o.nosave) vo.plot_dir = result.dir, vo.names = data.names;
      const ValidationReport report = validate(ctx, ema_model, val_set, vo);
      metrics = report.metrics;
      val_losses = report.losses.value_or(val_losses);
      fmt::print("{}", format_validation_table(metrics, data.names, false));
      std::fflush(stdout);
    }
    // As ultralytics, a tie goes to the later epoch; without validation best is last.
    const bool best = o.noval || best_epoch < 0 || metrics.fitness >= result.best_fitness;
    if (best) result.best_fitness = metrics.fitness, best_epoch = epoch;
    csv << fmt::format("{},{:.3f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.5f},{:.6g},{:.6g},{:.6g}\n",
                       epoch + 1, std::chrono::duration<double>(Clock::now() - start).count(), box, cls, dfl,
                       metrics.precision, metrics.recall, metrics.map50, metrics.map50_95, val_losses[0], val_losses[1],
                       val_losses[2], settings.lr[0], settings.lr[1], settings.lr[2]);
    csv.flush();
    if (!o.nosave) plot_results(result.dir);
    if (!o.nosave || last_epoch) {  // --nosave: only the final checkpoint (YOLOv5/YOLOv9)
      const std::map<std::string, std::string> meta = {{"epoch", std::to_string(epoch + 1)},
                                                       {"fitness", fmt::format("{:.6f}", metrics.fitness)},
                                                       {"names", names}};
      // last also holds what --resume needs.
      state = {epoch + 1,       result.best_fitness, best_epoch,       last_step,
               ema.updates(),   optimizer.steps(),   scaler.scale(),   scaler.good_steps()};
      std::map<std::string, std::string> last_meta = train_state_metadata(o, state);
      last_meta.insert(meta.begin(), meta.end());
      const auto train_tensors = train_state_tensors(ctx, model->store(), optimizer, accumulating);
      save_checkpoint(ctx, ema_model, (result.dir / "weights" / "last.safetensors").string(), last_meta, train_tensors);
      if (o.save_period > 0 && (epoch + 1) % o.save_period == 0)
        save_checkpoint(ctx, ema_model, (result.dir / "weights" / fmt::format("epoch{}.safetensors", epoch + 1)).string(),
                        last_meta, train_tensors);
      if (best) save_checkpoint(ctx, ema_model, (result.dir / "weights" / "best.safetensors").string(), meta);
    }
    const bool stop = !o.noval && o.patience > 0 && epoch - best_epoch >= o.patience;  // patience 0: never stop
    if (stop) fmt::print("stopping early: no improvement in {} epochs (best: epoch {})\n", o.patience, best_epoch + 1);
    if (stop_together(ctx, group.get(), stop)) break;
  }
  if (main_rank)
    fmt::print("{} epochs in {:.1f} s; results in {}\n", result.epochs_run,
               std::chrono::duration<double>(Clock::now() - start).count(), result.dir.string());
  // As ultralytics' final_eval: the best checkpoint validated, per class.
  const fs::path best_file = result.dir / "weights" / "best.safetensors";
  if (main_rank && !o.nosave && fs::exists(best_file)) {
    fmt::print("validating {}:\n", best_file.string());
    const std::unique_ptr<Model> best = load_model(ctx, best_file.string());
    ValidationOptions vo;
    vo.batch = o.batch * 2, vo.workers = o.workers;
    fmt::print("{}", format_validation_table(validate(ctx, *best, val_set, vo).metrics, data.names, true));
    std::fflush(stdout);
  }
  return result;
}

}  // namespace yolo
