#pragma once
// defines: Communicator, the collectives data-parallel training needs (the
// same interface over Gloo on the CPU and NCCL on CUDA); ReduceOp,
// PendingCollective.
//
// Every call is collective: every rank makes the same calls in the same
// order. Tensors are contiguous f32 on the communicator's device. A call
// that does not complete within the communicator's timeout (a peer died or
// hangs) throws yolo::Error naming the operation; the communicator is then
// unusable.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/core/tensor.h"

namespace yolo {

enum class ReduceOp { sum, average };

// Every communicator's failure message says this after "<what> failed on
// rank R of N": run_rank_threads tells such echoes of another rank's
// failure from the failure that caused them.
inline constexpr const char* kPeerFailure = "a rank exited, hangs or timed out";

// A collective started in the background (Gloo: queued on the
// communicator's thread; NCCL: queued on the comm stream).
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Returns once the result may be read: by the host (CPU) or by work queued
  // afterwards on the compute stream (CUDA). Rethrows the collective's error.
  virtual void wait() = 0;
  // Whether it has completed, without waiting.
  virtual bool done() const = 0;
  // After wait(): how long the collective itself ran, in seconds (0 when
  // the backend cannot tell).
  virtual double seconds() const { return 0.0; }
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;  // "gloo" or "nccl"

  // In place; collectives started earlier complete first.
  virtual std::unique_ptr<PendingCollective> start_all_reduce(Tensor& data, ReduceOp op) = 0;
  void all_reduce(Tensor& data, ReduceOp op) { start_all_reduce(data, op)->wait(); }
  // timeout: this call's instead of the communicator's (the other ranks'
  // wait while rank 0 validates, which may take longer than any collective).
  virtual void broadcast(Tensor& data, int root, std::optional<std::chrono::milliseconds> timeout = std::nullopt) = 0;
  // out holds size() copies of in's shape, rank order, along a new leading dimension.
  virtual void all_gather(const Tensor& in, Tensor& out) = 0;
  virtual void barrier() = 0;
};

}  // namespace yolo
