#pragma once
// defines: ProcessGroup, one rank's membership of a data-parallel job: the
// rendezvous (rank 0 serves the store unless the caller does), the
// communicator for the rank's device (Gloo on the CPU, NCCL on CUDA), and
// the check that every rank runs the same configuration.
#include <memory>
#include <string>

#include "engine/core/context.h"
#include "engine/dist/communicator.h"
#include "engine/dist/rank_environment.h"
#include "engine/dist/tcp_store.h"

namespace yolo {

// How long a rank waits for the others by default (--ddp-timeout).
inline constexpr Milliseconds kDefaultTimeout{std::chrono::minutes(10)};

struct ProcessGroupOptions {
  Milliseconds timeout{kDefaultTimeout};  // rendezvous and every collective
  // Rank 0 serves the store at MASTER_PORT; false when the caller already
  // does (thread mode: the process serves it for all its ranks).
  bool serve_store = true;
};

class ProcessGroup {
 public:
  // Blocks until every rank has joined (or the timeout: a yolo::Error).
  ProcessGroup(const Context& ctx, const RankEnvironment& env, ProcessGroupOptions options = {});
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  Milliseconds timeout() const { return timeout_; }
  const RankEnvironment& environment() const { return env_; }
  Communicator& communicator() { return *communicator_; }
  TcpStore& store() { return *store_; }

  // Every rank passes a digest of what it runs (model, data, hyper-parameters,
  // flags); any difference from rank 0 stops every rank with a yolo::Error
  // naming the first rank that differs and `what`.
  void check_same(const std::string& what, const std::string& digest);

 private:
  RankEnvironment env_;
  Milliseconds timeout_;
  std::unique_ptr<TcpStoreServer> server_;
  std::unique_ptr<TcpStore> store_;
  std::unique_ptr<Communicator> communicator_;
  int checks_ = 0;  // check_same calls so far: their keys never collide
};

// FNV-1a 64 of text, as 16 hex digits: a digest stable across processes
// and builds (std::hash is neither).
std::string stable_digest(const std::string& text);

}  // namespace yolo
