// yolo-train: trains a YOLO detector. This version reports the build and the
// devices (--version); the training loop is the trainer issue's work.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "engine/core/backends.h"
#include "engine/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"yolo-train: train a YOLO object detector"};
  bool version = false;
  app.add_flag("--version", version, "print the version, the backends built in and the devices found");
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
    fmt::print(stderr, "yolo-train: this build has no training loop yet; --version reports the build\n");
    return 2;
  } catch (const yolo::Error& e) {
    fmt::print(stderr, "yolo-train: error: {}\n", e.message());
    return 1;
  }
}
