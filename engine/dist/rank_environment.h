#pragma once
// defines: RankEnvironment, which rank of which job this process is, read
// from the variables launchers set: torchrun's (RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), SLURM's
// (SLURM_PROCID, SLURM_LOCALID, SLURM_NTASKS) or Open MPI's
// (OMPI_COMM_WORLD_*); and which device a rank uses.
#include <functional>
#include <optional>
#include <string>

#include "engine/core/device.h"

namespace yolo {

struct RankEnvironment {
  int rank = 0, local_rank = 0, world_size = 1, local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher;  // "torchrun", "slurm" or "openmpi": whose variables these are
};

// A variable's value, or null when unset (std::getenv in the binaries, a map in tests).
using EnvironmentLookup = std::function<const char*(const char*)>;

// The launcher's variables, or nothing when none is set (a single process).
// Malformed or inconsistent values are a yolo::Error naming the variable.
std::optional<RankEnvironment> read_rank_environment(const EnvironmentLookup& lookup);

// --device for a rank: "cpu" stays cpu; a list "0,1,2,3" gives the rank
// the local_rank-th entry (which must exist); a single device is shared by
// the node's ranks only on the cpu.
Device device_for_rank(const std::string& device_flag, int local_rank, int local_world_size);

}  // namespace yolo
