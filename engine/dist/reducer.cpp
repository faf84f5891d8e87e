#include "engine/dist/reducer.h"

#include "engine/core/error.h"

namespace yolo {

using Clock = std::chrono::steady_clock;

GradientReducer::GradientReducer(ParameterStore& store, Communicator& communicator, ReducerOptions options)
    : store_(store), communicator_(communicator) {
  store_.assign_buckets(options.bucket_bytes, options.first_bucket_bytes);
  for (const GradientBucket& bucket : store_.buckets()) {
    BucketState state;
    state.grads = store_.grads().slice(0, bucket.offset, bucket.offset + bucket.numel);
    buckets_.push_back(std::move(state));
  }
}

GradientReducer::~GradientReducer() {
  // Collectives still queued read the gradient buffer: let them end first.
  for (BucketState& bucket : buckets_) {
    try {
      if (bucket.pending) bucket.pending->wait();
    } catch (...) {  // the error was (or will never be) reported by finish()
    }
  }
}

void GradientReducer::begin_backward(bool sync) {
  YOLO_CHECK(!sync_, "gradient reducer: begin_backward before the last synchronised backward's finish()");
  sync_ = sync;
  next_bucket_ = 0;
  for (BucketState& bucket : buckets_) bucket.ready = 0, bucket.pending.reset();
  started_ = Clock::now();
}

GradReadyHook GradientReducer::hook() {
  return [this](const std::vector<Parameter*>& parameters) { on_grads_ready(parameters); };
}

void GradientReducer::on_grads_ready(const std::vector<Parameter*>& parameters) {
  if (!sync_) return;
  for (const Parameter* p : parameters) {
    if (p->bucket >= 0) ++buckets_[static_cast<std::size_t>(p->bucket)].ready;
  }
  start_buckets(false);
}

void GradientReducer::start_buckets(bool all) {
  const std::vector<GradientBucket>& layout = store_.buckets();
  while (next_bucket_ < buckets_.size() &&
         (all || buckets_[next_bucket_].ready >= layout[next_bucket_].parameters.size())) {
    BucketState& bucket = buckets_[next_bucket_++];
    bucket.pending = communicator_.start_all_reduce(bucket.grads, ReduceOp::average);
  }
}

void GradientReducer::finish() {
  if (!sync_) return;
  const auto backward_end = Clock::now();
  // Buckets with a parameter backward never reported (none in YOLO graphs)
  // still reduce, in order.
  start_buckets(true);
  times_ = {};
  for (BucketState& bucket : buckets_) {
    bucket.pending->wait();
    times_.communication += bucket.pending->seconds();
  }
  times_.exposed = std::chrono::duration<double>(Clock::now() - backward_end).count();
  sync_ = false;
}

bool GradientReducer::bucket_done(int k) const {
  const BucketState& bucket = buckets_.at(static_cast<std::size_t>(k));
  return bucket.pending && bucket.pending->done();
}

void broadcast_model_state(Communicator& communicator, ParameterStore& store) {
  communicator.broadcast(store.values(), 0);
  if (store.buffer_values().defined() && store.buffer_values().numel() > 0)
    communicator.broadcast(store.buffer_values(), 0);
}

}  // namespace yolo
