#include "engine/dist/rank_environment.h"

#include <charconv>
#include <vector>

#include "engine/core/error.h"

namespace yolo {
namespace {

// The variable as a non-negative integer; fallback when unset.
int read_int(const EnvironmentLookup& lookup, const char* name, int fallback) {
  const char* text = lookup(name);
  if (!text || !*text) return fallback;
  int value = -1;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [ptr, error] = std::from_chars(text, end, value);
  YOLO_CHECK(error == std::errc() && ptr == end && value >= 0, "{}={}: expected a non-negative integer", name, text);
  return value;
}

// SLURM_NTASKS_PER_NODE (set with --ntasks-per-node) or SLURM_TASKS_PER_NODE
// (always) may read "4" or "4(x2)" or "4(x2),3": the count before any "(" or
// "," is this node's when nodes are alike.
int read_slurm_tasks_per_node(const EnvironmentLookup& lookup, int fallback) {
  for (const char* name : {"SLURM_NTASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
    const char* text = lookup(name);
    if (!text || !*text) continue;
    int value = 0;
    const char* end = text + std::char_traits<char>::length(text);
    const auto [ptr, error] = std::from_chars(text, end, value);
    YOLO_CHECK(error == std::errc() && value > 0 && (ptr == end || *ptr == '(' || *ptr == ','),
               "{}={}: expected a task count", name, text);
    return value;
  }
  return fallback;
}

}  // namespace

std::optional<RankEnvironment> read_rank_environment(const EnvironmentLookup& lookup) {
  RankEnvironment env;
  if (lookup("RANK") && lookup("WORLD_SIZE")) {
    env.launcher = "torchrun";
    env.rank = read_int(lookup, "RANK", 0);
    env.world_size = read_int(lookup, "WORLD_SIZE", 1);
    env.local_rank = read_int(lookup, "LOCAL_RANK", env.rank);
    env.local_world_size = read_int(lookup, "LOCAL_WORLD_SIZE", env.world_size);
  } else if (lookup("SLURM_PROCID") && lookup("SLURM_NTASKS")) {
    env.launcher = "slurm";
    env.rank = read_int(lookup, "SLURM_PROCID", 0);
    env.world_size = read_int(lookup, "SLURM_NTASKS", 1);
    env.local_rank = read_int(lookup, "SLURM_LOCALID", 0);
    env.local_world_size = read_slurm_tasks_per_node(lookup, env.world_size);
  } else if (lookup("OMPI_COMM_WORLD_RANK") && lookup("OMPI_COMM_WORLD_SIZE")) {
    env.launcher = "openmpi";
    env.rank = read_int(lookup, "OMPI_COMM_WORLD_RANK", 0);
    env.world_size = read_int(lookup, "OMPI_COMM_WORLD_SIZE", 1);
    env.local_rank = read_int(lookup, "OMPI_COMM_WORLD_LOCAL_RANK", 0);
    env.local_world_size = read_int(lookup, "OMPI_COMM_WORLD_LOCAL_SIZE", env.world_size);
  } else {
    return std::nullopt;
  }
  if (const char* addr = lookup("MASTER_ADDR"); addr && *addr) {
    env.master_addr = addr;
  } else {
    // Only torchrun always sets it; a job across nodes cannot guess rank 0's.
    YOLO_CHECK(env.world_size <= env.local_world_size,
               "{}: {} ranks on several nodes need MASTER_ADDR (rank 0's node) and MASTER_PORT in the environment",
               env.launcher, env.world_size);
  }
  env.master_port = read_int(lookup, "MASTER_PORT", env.master_port);
  const char* from = env.launcher == "torchrun" ? "RANK" : env.launcher == "slurm" ? "SLURM_PROCID" : "OMPI_COMM_WORLD_RANK";
  YOLO_CHECK(env.world_size >= 1, "{}: the world size must be at least 1", env.launcher);
  YOLO_CHECK(env.rank < env.world_size, "{}={} is not below the world size {}", from, env.rank, env.world_size);
  YOLO_CHECK(env.local_world_size >= 1 && env.local_rank < env.local_world_size,
             "{}: local rank {} is not below the local world size {}", env.launcher, env.local_rank,
             env.local_world_size);
  YOLO_CHECK(env.master_port > 0 && env.master_port < 65536, "MASTER_PORT={}: expected a port (1-65535)",
             env.master_port);
  return env;
}

Device device_for_rank(const std::string& device_flag, int local_rank, int local_world_size) {
  if (device_flag.empty() || device_flag == "cpu") return Device::cpu();
  std::vector<std::string> listed;
  for (std::size_t start = 0;;) {
    const std::size_t comma = device_flag.find(',', start);
    listed.push_back(device_flag.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (listed.size() == 1 && local_world_size > 1) {
    const Device only = Device::parse(listed[0]);
    YOLO_CHECK(only.is_cpu(), "--device {}: {} ranks on this node need {} devices (e.g. --device 0,1)", device_flag,
               local_world_size, local_world_size);
    return only;
  }
  YOLO_CHECK(local_rank < static_cast<int>(listed.size()), "--device {}: local rank {} has no device in the list",
             device_flag, local_rank);
  return Device::parse(listed[static_cast<std::size_t>(local_rank)]);
}

}  // namespace yolo
