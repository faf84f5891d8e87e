// yolo-train: trains a YOLO detector with the flags of YOLOv5/YOLOv9's
// train.py / train_dual.py (see TrainOptions for what each does); also
// reports the build (--version) and summarises a model (--cfg X --dry-run).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <set>

#include "engine/core/backends.h"
#include "engine/core/error.h"
#include "engine/data/image_store.h"
#include "engine/dist/launcher.h"
#include "engine/dist/rank_threads.h"
#include "engine/graph/model.h"
#include "engine/graph/model_config.h"
#include "engine/train/train_state.h"
#include "engine/train/trainer.h"

namespace {

namespace fs = std::filesystem;

// models/ and models/detect/ (or configs/) of the source tree the binary was
// built in (build/bin/..), then of an installed share/ directory.
std::vector<std::string> search_dirs(const char* argv0, std::initializer_list<const char*> subdirs) {
  std::error_code ec;
  const fs::path exe = fs::weakly_canonical(fs::path(argv0), ec).parent_path();
  std::vector<std::string> dirs;
  for (const char* sub : subdirs) dirs.push_back(sub);
  for (const fs::path& root : {exe / ".." / "..", exe / ".." / "share" / "yolo-engine"}) {
    for (const char* sub : subdirs) dirs.push_back((root / sub).lexically_normal().string());
  }
  return dirs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yolo-train: train a YOLO object detector"};
  yolo::TrainOptions o;
  bool version = false, dry_run = false;
  int nc = 0, local_rank = -1;
  float label_smoothing = 0.0f;
  bool amp = true, no_amp = false;
  std::string resume;
  app.add_flag("--version", version, "print the version, the backends built in and the devices found");
  app.add_flag("--dry-run", dry_run,
               "print the resolved model and its summary, then exit; with --data, resolve and check the whole run");
  app.add_option("--data", o.data, "dataset YAML (ultralytics data.yaml)");
  app.add_option("--cfg,--model", o.cfg, "model YAML (yolov8n.yaml, models/detect/gelan-c.yaml, ...)");
  app.add_option("--weights", o.weights, "checkpoint to start from ('' = from scratch)");
  app.add_option("--hyp", o.hyp, "hyper-parameters YAML (hyp.scratch-high.yaml, ...)");
  app.add_option("--nc", nc, "number of classes for --dry-run (training takes the dataset's)");
  app.add_option("--epochs", o.epochs, "epochs")->check(CLI::PositiveNumber);
  app.add_option("--batch,--batch-size", o.batch, "batch size (global)")->check(CLI::PositiveNumber);
  app.add_option("--img,--imgsz,--img-size", o.imgsz, "training and validation size (pixels)");
  app.add_option("--device", o.device, "cpu, 0 or cuda:0 (one device per process)");
  app.add_option("--workers", o.workers, "data loader threads")->check(CLI::NonNegativeNumber);
  app.add_option("--project", o.project, "save to project/name");
  app.add_option("--name", o.name, "save to project/name");
  app.add_flag("--exist-ok", o.exist_ok, "reuse project/name");
  app.add_option("--close-mosaic", o.close_mosaic, "epochs at the end without mosaic")->check(CLI::NonNegativeNumber);
  app.add_option("--min-items", o.min_items, "drop training images with fewer labels")->check(CLI::NonNegativeNumber);
  app.add_option("--optimizer", o.optimizer, "SGD, AdamW or auto")->check(CLI::IsMember({"SGD", "AdamW", "auto"}));
  app.add_flag("--cos-lr", o.cos_lr, "cosine learning-rate schedule");
  app.add_option("--patience", o.patience, "stop after this many epochs without improvement");
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--cache", o.cache, "ram, disk or none")->check(CLI::IsMember({"ram", "disk", "none", "true", "false"}));
  app.add_flag("--noval", o.noval, "skip validation");
  app.add_flag("--nosave", o.nosave, "write no checkpoints or pictures");
  // Accepted for command-line compatibility; reported when they cannot act yet.
  app.add_option("--resume", resume, "resume a run from its weights/last.safetensors (default: the latest run)")
      ->expected(0, 1);
  app.add_option("--label-smoothing", label_smoothing, "ignored (ultralytics dropped it)");
  app.add_option("--save-period", o.save_period, "also save weights/epochN.safetensors every N epochs (< 1: never)");
  app.add_flag("--amp", amp, "mixed precision: fp16 on CUDA (the default); on the CPU only with --amp-dtype bf16");
  app.add_flag("--no-amp", no_amp, "f32 everywhere");
  app.add_option("--amp-dtype", o.amp_dtype, "fp16 or bf16 (bf16 also on CPUs with bf16 convolutions)")
      ->check(CLI::IsMember({"fp16", "bf16"}));
  app.add_flag("--sync-bn", o.sync_bn, "batch norm over the global batch (all ranks' images)");
  app.add_option("--local-rank,--local_rank", local_rank, "set by launchers; ignored");
  // Data-parallel training (torchrun's flags).
  yolo::LaunchOptions launch;
  bool ddp_threads = false;
  double ddp_timeout = 600, bucket_mb = 25;
  app.add_option("--nproc-per-node,--nproc_per_node", launch.nproc_per_node,
                 "ranks on this node: starts that many worker processes (torchrun's flag)")
      ->check(CLI::PositiveNumber);
  app.add_option("--nnodes", launch.nnodes, "nodes in the job")->check(CLI::PositiveNumber);
  app.add_option("--node-rank,--node_rank", launch.node_rank, "this node's index")->check(CLI::NonNegativeNumber);
  app.add_option("--master-addr,--master_addr", launch.master_addr, "address of node 0 (the rendezvous)");
  app.add_option("--master-port,--master_port", launch.master_port, "rendezvous port (default: a free one on one node)")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--ddp-threads", ddp_threads, "run the node's ranks as threads of this process instead of processes");
  app.add_option("--ddp-timeout", ddp_timeout, "seconds a rank waits for the others before giving up")
      ->check(CLI::Range(1.0, 1e7));
  app.add_option("--bucket-mb", bucket_mb, "gradient all-reduce bucket size (MB)")->check(CLI::PositiveNumber);
  yolo::quiet_image_library_logs();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "yolo-train: error: {}\n", e.what());
    return 2;
  }
  try {
    if (version) {
      fmt::print("yolo-train {}\nbackends built:\n{}\ndevices found:\n{}\n", YOLO_VERSION, yolo::describe_backends(),
                 yolo::describe_devices());
      return 0;
    }
    const std::vector<std::string> model_dirs = search_dirs(argv[0], {"models", "models/detect"});
    if (dry_run && o.data.empty()) {
      YOLO_CHECK(!o.cfg.empty(), "--dry-run needs --cfg (a model YAML)");
      yolo::Context ctx;
      yolo::Model model(ctx, yolo::load_model_config(o.cfg, model_dirs, nc));
      const yolo::ModelConfig& c = model.config();
      fmt::print("model: {} ({}), scale {}: depth {}, width {}, max channels {}; nc {}\n", c.stem, c.path,
                 c.scale.letter ? std::string(1, c.scale.letter) : std::string("-"), c.scale.depth, c.scale.width,
                 c.scale.max_channels, c.nc);
      const yolo::ModelSummary s = model.summary(ctx);
      fmt::print("{}{}\n", s.table, s.str());
      return 0;
    }
    o.amp = amp && !no_amp;
    std::vector<std::string> worker_argv(argv, argv + argc);
    if (app.count("--resume") > 0) {
      // The run goes on with the options it was started with; only where it
      // runs (--device, --workers, the launch flags) may change.
      const std::string path = resume.empty() ? yolo::latest_last_checkpoint(o.project) : resume;
      std::string ignored;
      for (const CLI::Option* option : app.get_options()) {
        static const std::set<std::string> allowed = {
            "--resume", "--device", "--workers", "--project", "--nproc-per-node", "--nnodes", "--node-rank",
            "--master-addr", "--master-port", "--ddp-threads", "--ddp-timeout", "--bucket-mb", "--local-rank"};
        if (option->count() > 0 && !allowed.count(option->get_name()))
          ignored += (ignored.empty() ? "" : " ") + option->get_name();
      }
      if (!ignored.empty()) fmt::print("note: --resume goes on with the run's own options; ignored: {}\n", ignored);
      // Workers resume this very file, not each the latest run it finds.
      if (resume.empty()) {
        const auto bare = std::find(worker_argv.begin(), worker_argv.end(), std::string("--resume"));
        if (bare != worker_argv.end()) worker_argv.insert(bare + 1, path);
      }
      yolo::TrainOptions resumed = yolo::read_resume_point(path).options;
      if (app.count("--device") > 0) resumed.device = o.device;
      if (app.count("--workers") > 0) resumed.workers = o.workers;
      resumed.resume = path;
      o = resumed;
    }
    YOLO_CHECK(!o.data.empty(), "--data (a dataset YAML) is required");
    if (label_smoothing > 0) fmt::print("note: --label-smoothing has no effect (as in ultralytics 8)\n");
    o.dry_run = dry_run;
    o.model_dirs = model_dirs;
    o.config_dirs = search_dirs(argv[0], {"configs", "data/hyps"});

    yolo::DistributedOptions distributed;
    distributed.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(ddp_timeout * 1000));
    distributed.bucket_bytes = static_cast<std::size_t>(bucket_mb * (1 << 20));
    const auto env = yolo::read_rank_environment([](const char* name) { return std::getenv(name); });
    if (env && env->world_size > 1) {  // a worker: of our launcher, torchrun, SLURM or mpirun
      distributed.environment = *env;
      yolo::train(o, &distributed);
      return 0;
    }
    if (launch.nproc_per_node == 1 && o.device.find(',') != std::string::npos) {
      // As ultralytics: --device 0,1 on its own trains on both, a rank each.
      launch.nproc_per_node = static_cast<int>(std::count(o.device.begin(), o.device.end(), ',')) + 1;
    }
    const int ranks = launch.nproc_per_node * launch.nnodes;
    if (ranks > 1 && ddp_threads) {
      YOLO_CHECK(launch.nnodes == 1, "--ddp-threads runs the ranks of one node: use processes across nodes");
      yolo::run_rank_threads(launch.nproc_per_node, [&](const yolo::RankEnvironment& rank) {
        yolo::DistributedOptions mine = distributed;
        mine.environment = rank;
        mine.serve_store = false;
        yolo::train(o, &mine);
      });
      return 0;
    }
    YOLO_CHECK(o.batch % ranks == 0, "--batch {} is not divisible by the {} ranks: give a multiple of {}", o.batch,
               ranks, ranks);
    if (ranks > 1) return yolo::launch_workers(worker_argv, launch);
    yolo::train(o);
    return 0;
  } catch (const yolo::Error& e) {
    fmt::print(stderr, "yolo-train: error: {}\n", e.message());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "yolo-train: error: {}\n", e.what());
    return 1;
  }
}
