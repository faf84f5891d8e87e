#pragma once
// defines: LaunchOptions, launch_workers: the built-in launcher of
// `yolo-train --nproc-per-node N` (torchrun's job on one node): it starts N
// copies of this program with torchrun's variables set, forwards SIGINT and
// SIGTERM to them, and when one fails stops the others and names it.
#include <chrono>
#include <string>
#include <vector>

namespace yolo {

struct LaunchOptions {
  int nproc_per_node = 1, nnodes = 1, node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;  // 0: a free port (one node only)
  // A failed worker's peers get this long to end after SIGTERM before SIGKILL.
  std::chrono::seconds grace{10};
};

// Runs `argv` (argv[0] is only a name: the program is this executable)
// as the node's workers and waits for them. Returns 0 when all succeed;
// otherwise prints which rank failed and how, and returns 1.
int launch_workers(const std::vector<std::string>& argv, const LaunchOptions& options);

// A TCP port nothing listens on now (the system's pick).
int free_port();

}  // namespace yolo
