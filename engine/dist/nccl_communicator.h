#pragma once
// defines: make_nccl_communicator, the CUDA Communicator: NCCL collectives
// queued on the context's comm stream after the compute stream's work. The
// NCCL communicator is non-blocking, so a peer that died or hangs becomes a
// yolo::Error after the timeout instead of a process stuck in NCCL.
// Calls come from one thread (NCCL communicators are not thread-safe).
#include <memory>
#include <string>

#include "engine/dist/communicator.h"
#include "engine/dist/tcp_store.h"

namespace yolo {

class Context;

// Joins the NCCL communicator of `size` ranks as `rank`, on ctx's CUDA device:
// rank 0 publishes NCCL's unique id in `store` under `prefix`, the others
// read it. `ctx` must outlive the communicator (its streams are used).
std::unique_ptr<Communicator> make_nccl_communicator(const Context& ctx, TcpStore& store, const std::string& prefix,
                                                     int rank, int size, Milliseconds timeout);

}  // namespace yolo
