#pragma once
// defines: GradientReducer, the data-parallel all-reduce of gradients:
// buckets (contiguous slices of the flat gradient buffer, so no copies)
// start reducing as soon as backward has produced their last gradient, in
// bucket order on every rank, while backward goes on with the earlier
// layers; finish() waits for them before the optimizer reads the
// gradients. Also broadcast_model_state.
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "engine/dist/communicator.h"
#include "engine/graph/model.h"

namespace yolo {

struct ReducerOptions {
  std::size_t bucket_bytes = std::size_t{25} << 20;       // PyTorch DDP's default
  std::size_t first_bucket_bytes = std::size_t{1} << 20;  // small: communication starts early
};

// Seconds of the last synchronised backward (begin_backward to finish).
struct ReducerTimes {
  double communication = 0;  // the collectives ran this long in all
  double exposed = 0;        // finish() waited this long after backward ended
  double hidden_fraction() const { return communication > 0 ? 1.0 - std::min(exposed / communication, 1.0) : 0.0; }
};

class GradientReducer {
 public:
  // Assigns the store's buckets (every rank derives the same ones).
  GradientReducer(ParameterStore& store, Communicator& communicator, ReducerOptions options = {});
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before each backward. sync = false on the accumulation steps of a
  // nominal batch: gradients then only add up locally, and the step that
  // updates reduces their sum (the average of sums is the sum of averages).
  void begin_backward(bool sync);
  // For Model::backward: counts the parameters whose gradients are final and
  // starts each bucket once it is complete and every earlier one started.
  GradReadyHook hook();
  // After backward: starts the buckets not started yet, waits for all; the
  // gradients are then the average over ranks. No-op after an unsynchronised backward.
  void finish();

  // Whether bucket k's all-reduce has completed, without waiting (tests
  // check with it that reducing overlaps backward).
  bool bucket_done(int k) const;
  int buckets_started() const { return static_cast<int>(next_bucket_); }
  const ReducerTimes& times() const { return times_; }
  int bucket_count() const { return static_cast<int>(buckets_.size()); }

 private:
  void on_grads_ready(const std::vector<Parameter*>& parameters);
  void start_buckets(bool all);  // all: also those not complete

  struct BucketState {
    Tensor grads;         // view of the bucket's slice
    std::size_t ready = 0;  // parameters reported this backward
    std::unique_ptr<PendingCollective> pending;
  };
  ParameterStore& store_;
  Communicator& communicator_;
  std::vector<BucketState> buckets_;
  std::size_t next_bucket_ = 0;  // buckets start in this order on every rank
  bool sync_ = false;
  std::chrono::steady_clock::time_point started_;
  ReducerTimes times_;
};

// Rank 0's parameters and buffers to every rank (at the start of training,
// so all ranks begin from the same weights whatever their seeds).
void broadcast_model_state(Communicator& communicator, ParameterStore& store);

}  // namespace yolo
