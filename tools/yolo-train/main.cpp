// yolo-train: trains a YOLO detector. This version reports the build
// (--version) and resolves and summarises a model (--cfg X --dry-run); the
// training loop is the trainer issue's work.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "engine/core/backends.h"
#include "engine/core/error.h"
#include "engine/graph/model.h"

namespace {

// Where `--cfg yolov8n.yaml` is looked for after the working directory:
// models/ and models/detect/ of the source tree the binary was built in
// (build/bin/..), then of an installed share/ directory.
std::vector<std::string> model_search_dirs(const char* argv0) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::weakly_canonical(fs::path(argv0), ec).parent_path();
  std::vector<std::string> dirs = {"models", "models/detect"};
  for (const fs::path& root : {exe / ".." / "..", exe / ".." / "share" / "yolo-engine"}) {
    dirs.push_back((root / "models").lexically_normal().string());
    dirs.push_back((root / "models" / "detect").lexically_normal().string());
  }
  return dirs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"yolo-train: train a YOLO object detector"};
  bool version = false, dry_run = false;
  std::string cfg;
  int nc = 0;
  app.add_flag("--version", version, "print the version, the backends built in and the devices found");
  app.add_option("--cfg,--model", cfg, "model YAML (yolov8n.yaml, models/detect/gelan-c.yaml, ...)");
  app.add_option("--nc", nc, "number of classes (default: the YAML's, later the dataset's)");
  app.add_flag("--dry-run", dry_run, "print the resolved configuration and the model summary, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (version) {
      fmt::print("yolo-train {}\nbackends built:\n{}\ndevices found:\n{}\n", YOLO_VERSION, yolo::describe_backends(),
                 yolo::describe_devices());
      return 0;
    }
    if (dry_run) {
      YOLO_CHECK(!cfg.empty(), "--dry-run needs --cfg (a model YAML)");
      yolo::Context ctx;
      yolo::Model model(ctx, yolo::load_model_config(cfg, model_search_dirs(argv[0]), nc));
      const yolo::ModelConfig& c = model.config();
      fmt::print("model: {} ({}), scale {}: depth {}, width {}, max channels {}; nc {}\n", c.stem, c.path,
                 c.scale.letter ? std::string(1, c.scale.letter) : std::string("-"), c.scale.depth, c.scale.width,
                 c.scale.max_channels, c.nc);
      const yolo::ModelSummary s = model.summary(ctx);
      fmt::print("{}{}\n", s.table, s.str());
      return 0;
    }
    fmt::print(stderr,
               "yolo-train: this build has no training loop yet; --version reports the build, "
               "--cfg X --dry-run summarises a model\n");
    return 2;
  } catch (const yolo::Error& e) {
    fmt::print(stderr, "yolo-train: error: {}\n", e.message());
    return 1;
  }
}
