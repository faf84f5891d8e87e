// defines: make_nccl_communicator (see nccl_communicator.h): NcclCommunicator,
// collectives queued on the comm stream, each waited for by polling its CUDA
// event and NCCL's error state until the timeout.
#include "engine/dist/nccl_communicator.h"

#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <thread>
#include <utility>
#include <vector>

#include "engine/core/context.h"
#include "engine/core/cuda_check.h"
#include "engine/core/cuda_resources.h"
#include "engine/core/error.h"

namespace yolo {
namespace {

// ncclConfig_t and non-blocking communicators came with NCCL 2.14 (ncclAvg
// with 2.10).
static_assert(NCCL_VERSION_CODE >= NCCL_VERSION(2, 14, 0), "the NCCL backend needs NCCL 2.14 or newer");

using Clock = std::chrono::steady_clock;

// Between two polls: short, as wait() is on the training step's path, yet a
// sleep, so that polling leaves the cores to the loader and NCCL's threads.
constexpr auto kPollInterval = std::chrono::microseconds(50);
// How long the destructor lets ncclCommFinalize flush before it aborts
// instead: a rank whose peers are gone must not hang while it exits.
constexpr Milliseconds kFinalizeGrace{10'000};

// A CUDA event without timing (cheaper to record and to wait on).
class Event {
 public:
  Event() { CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming)); }
  ~Event() {
    if (event_ != nullptr) cudaEventDestroy(event_);  // errors ignored: never throw here
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// The NCCL communicator and what a collective in flight needs. Shared with
// each pending collective, so that one outliving its communicator fails with
// a message instead of touching a freed handle.
struct NcclState {
  int device = 0;
  cudaStream_t compute = nullptr;
  cudaStream_t stream = nullptr;  // the comm stream
  int rank = 0, size = 1;
  Milliseconds timeout{0};
  ncclComm_t comm = nullptr;  // null before init and after an abort or destroy

  void check_usable(const char* what) const {
    YOLO_CHECK(comm != nullptr,
               "nccl {}: the communicator of rank {} is unusable (aborted after an earlier failure, or destroyed)",
               what, rank);
  }

  // Stops what the communicator still runs (NCCL's kernels see the abort
  // flag and return) and frees it. Even on a non-blocking communicator it
  // returns once done, so the handle is never touched again.
  void abort() noexcept {
    if (comm == nullptr) return;
    ncclCommAbort(comm);
    comm = nullptr;
  }

  [[noreturn]] void fail(const char* what, const std::string& detail) {
    abort();
    YOLO_FAIL("nccl {} failed on rank {} of {} ({} after {} s): {}", what, rank, size, kPeerFailure,
              timeout.count() / 1000.0, detail);
  }
  [[noreturn]] void fail(const char* what, ncclResult_t status) {
    // The message is read before the abort, which may replace it.
    fail(what, fmt::format("{} ({})", ncclGetErrorString(status), ncclGetLastError(comm)));
  }

  // Whether the communicator is gone or NCCL reports an error, without
  // throwing or aborting.
  bool failed() const noexcept {
    ncclResult_t async = ncclSuccess;
    if (comm == nullptr || ncclCommGetAsyncError(comm, &async) != ncclSuccess) return true;
    return async != ncclSuccess && async != ncclInProgress;
  }

  // ncclInProgress while a non-blocking call is still carried out in the
  // background, an error once anything failed (a peer lost, say).
  ncclResult_t state(const char* what) {
    ncclResult_t async = ncclSuccess;
    const ncclResult_t status = ncclCommGetAsyncError(comm, &async);
    if (status != ncclSuccess) fail(what, status);
    return async;
  }

  // After a non-blocking call, which returns ncclInProgress while NCCL's
  // thread carries it out: waits until it has (init: every rank joined; a
  // collective: queued on the stream). NCCL forbids queuing other work on
  // its stream before that.
  void settle(const char* what, ncclResult_t returned) {
    if (returned != ncclSuccess && returned != ncclInProgress) fail(what, returned);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const ncclResult_t s = state(what);
      if (s == ncclSuccess) return;
      if (s != ncclInProgress) fail(what, s);
      if (Clock::now() >= deadline) fail(what, "NCCL did not finish the call within the timeout");
      std::this_thread::sleep_for(kPollInterval);
    }
  }

  // Until `done`, recorded on the comm stream after a collective, has
  // completed.
  void wait_for(cudaEvent_t done, const char* what, Milliseconds limit) {
    CUDA_CHECK(cudaSetDevice(device));
    // Work queued next on the compute stream reads the result: order it
    // after the collective on the GPU...
    CUDA_CHECK(cudaStreamWaitEvent(compute, done, 0));
    // ...and watch on the host, as a collective with a dead or hung peer
    // never completes: the GPU alone would wait forever.
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const cudaError_t status = cudaEventQuery(done);
      if (status == cudaSuccess) return;
      if (status != cudaErrorNotReady) {
        fail(what, fmt::format("{} ({})", cudaGetErrorString(status), cudaGetErrorName(status)));
      }
      cudaGetLastError();  // not an error: still running
      check_usable(what);
      const ncclResult_t s = state(what);
      if (s != ncclSuccess && s != ncclInProgress) fail(what, s);
      if (Clock::now() >= deadline)
        fail(what, fmt::format("the collective did not complete within {} s", limit.count() / 1000.0));
      std::this_thread::sleep_for(kPollInterval);
    }
  }
};

// seconds() keeps the default 0: the events are recorded without timing.
class NcclPending final : public PendingCollective {
 public:
  NcclPending(std::shared_ptr<NcclState> state, const char* what)
      : state_(std::move(state)), what_(what), limit_(state_->timeout) {}
  void wait() override {
    if (completed_) return;  // a second wait() succeeds even after a later abort
    state_->wait_for(done_.get(), what_, limit_);
    completed_ = true;
  }
  bool done() const override {
    if (completed_) return true;
    const cudaError_t status = cudaEventQuery(done_.get());
    if (status != cudaErrorNotReady) return true;  // completed, or failed: wait() says which
    cudaGetLastError();                            // not an error: still running
    return state_->failed();                       // it never completes: wait() reports why
  }
  cudaEvent_t event() const { return done_.get(); }
  void set_limit(Milliseconds limit) { limit_ = limit; }

 private:
  std::shared_ptr<NcclState> state_;
  const char* what_;
  Milliseconds limit_;  // how long wait() watches
  Event done_;
  bool completed_ = false;
};

// One float in device memory: what barrier() all-reduces.
class DeviceFloat {
 public:
  DeviceFloat() { CUDA_CHECK(cudaMalloc(&value_, sizeof(float))); }
  ~DeviceFloat() {
    if (value_ != nullptr) cudaFree(value_);  // errors ignored: never throw here
  }
  DeviceFloat(const DeviceFloat&) = delete;
  DeviceFloat& operator=(const DeviceFloat&) = delete;
  float* get() const { return value_; }

 private:
  float* value_ = nullptr;
};

// Makes `device` current (for the members built after it); returns it.
int select_device(int device) {
  CUDA_CHECK(cudaSetDevice(device));
  return device;
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return ncclSum;
    case ReduceOp::average:
      return ncclAvg;  // the division by size() happens inside NCCL's kernel
  }
  YOLO_FAIL("nccl: unknown reduce op {}", static_cast<int>(op));
}

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(const CudaResources& cuda, Device device, int rank, int size, Milliseconds timeout)
      : current_device_(select_device(cuda.device)), state_(std::make_shared<NcclState>()), device_(device) {
    NcclState& s = *state_;
    s.device = cuda.device;
    s.compute = cuda.compute;
    s.stream = cuda.comm;
    s.rank = rank;
    s.size = size;
    s.timeout = timeout;
    CUDA_CHECK(cudaSetDevice(s.device));
    // Zeroed once, so that barrier() never reduces uninitialised memory.
    CUDA_CHECK(cudaMemset(barrier_value_.get(), 0, sizeof(float)));
  }

  ~NcclCommunicator() override {
    NcclState& s = *state_;
    if (s.comm == nullptr) return;  // never joined, or aborted after a failure
    cudaSetDevice(s.device);
    // Finalize flushes the collectives still queued; NCCL allows destroy
    // only once it has succeeded, so anything else ends in an abort.
    ncclResult_t status = ncclCommFinalize(s.comm);
    const auto deadline = Clock::now() + std::min(s.timeout, kFinalizeGrace);
    while (status == ncclInProgress && Clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);
      if (ncclCommGetAsyncError(s.comm, &status) != ncclSuccess) status = ncclInternalError;
    }
    if (status == ncclSuccess) {
      ncclCommDestroy(s.comm);
      s.comm = nullptr;
    } else {
      s.abort();
    }
  }

  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  // Rank 0 publishes NCCL's unique id, every rank joins with it.
  void join(TcpStore& store, const std::string& prefix) {
    NcclState& s = *state_;
    CUDA_CHECK(cudaSetDevice(s.device));  // NCCL binds the communicator to the current device
    ncclUniqueId id{};
    const std::string key = prefix + "unique_id";
    if (s.rank == 0) {
      NCCL_CHECK(ncclGetUniqueId(&id));
      store.set(key, std::vector<char>(std::begin(id.internal), std::end(id.internal)));
    } else {
      const std::vector<char> bytes = store.get(key);
      YOLO_CHECK(bytes.size() == sizeof id.internal,
                 "nccl: rank {} read a unique id of {} bytes from the store, not {}", s.rank, bytes.size(),
                 sizeof id.internal);
      std::memcpy(id.internal, bytes.data(), bytes.size());
    }
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    // Non-blocking: NCCL's calls return at once and we poll, so a rank that
    // never joins (or dies later) is a timeout and an abort, not a hang.
    config.blocking = 0;
    const ncclResult_t status = ncclCommInitRankConfig(&s.comm, s.size, id, s.rank, &config);
    s.settle("init", status);
  }

  int rank() const override { return state_->rank; }
  int size() const override { return state_->size; }
  std::string backend() const override { return "nccl"; }

  std::unique_ptr<PendingCollective> start_all_reduce(Tensor& data, ReduceOp op) override {
    float* p = device_floats(data, "all-reduce");
    const std::size_t n = static_cast<std::size_t>(data.numel());
    const ncclRedOp_t reduce = nccl_op(op);
    return start("all-reduce", n, [&](ncclComm_t comm, cudaStream_t stream) {
      return ncclAllReduce(p, p, n, ncclFloat32, reduce, comm, stream);
    });
  }

  void broadcast(Tensor& data, int root, std::optional<Milliseconds> timeout) override {
    float* p = device_floats(data, "broadcast");
    YOLO_CHECK(root >= 0 && root < size(), "nccl broadcast: root {} is not one of the {} ranks", root, size());
    const std::size_t n = static_cast<std::size_t>(data.numel());
    const std::unique_ptr<NcclPending> pending = start("broadcast", n, [&](ncclComm_t comm, cudaStream_t stream) {
      return ncclBroadcast(p, p, n, ncclFloat32, root, comm, stream);
    });
    if (timeout) pending->set_limit(*timeout);
    pending->wait();
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    const float* source = device_floats(in, "all-gather");
    float* target = device_floats(out, "all-gather");
    YOLO_CHECK(out.numel() == in.numel() * size(), "nccl all-gather: the output holds {} values, not {} x {}",
               out.numel(), size(), in.numel());
    const std::size_t n = static_cast<std::size_t>(in.numel());
    const auto ranks = static_cast<std::size_t>(size());
    // NCCL reads `in` while it writes `out`: they may overlap only as its
    // in-place form (in is this rank's slot of out).
    const auto in_begin = reinterpret_cast<std::uintptr_t>(source);
    const auto out_begin = reinterpret_cast<std::uintptr_t>(target);
    const bool overlap =
        n > 0 && in_begin < out_begin + n * ranks * sizeof(float) && out_begin < in_begin + n * sizeof(float);
    YOLO_CHECK(!overlap || source == target + n * static_cast<std::size_t>(rank()),
               "nccl all-gather: the input overlaps the output other than as this rank's slot of it");
    start("all-gather", n, [&](ncclComm_t comm, cudaStream_t stream) {
      return ncclAllGather(source, target, n, ncclFloat32, comm, stream);
    })->wait();
  }

  void barrier() override {
    float* p = barrier_value_.get();
    start("barrier", 1, [&](ncclComm_t comm, cudaStream_t stream) {
      return ncclAllReduce(p, p, 1, ncclFloat32, ncclSum, comm, stream);
    })->wait();
  }

 private:
  float* device_floats(const Tensor& t, const char* what) const {
    YOLO_CHECK(t.device() == device_ && t.dtype() == DType::f32 && t.is_contiguous(),
               "nccl {}: expected a contiguous f32 tensor on {}, got {}", what, device_.str(), t.str());
    return const_cast<float*>(t.data<float>());
  }

  // Queues `collective` (n elements) on the comm stream after the work
  // queued so far on the compute stream, then the event wait() polls.
  template <class Collective>
  std::unique_ptr<NcclPending> start(const char* what, std::size_t n, Collective&& collective) {
    NcclState& s = *state_;
    s.check_usable(what);
    CUDA_CHECK(cudaSetDevice(s.device));
    auto pending = std::make_unique<NcclPending>(state_, what);
    // The compute stream produced the input (and last used any buffer the
    // collective overwrites).
    CUDA_CHECK(cudaEventRecord(ready_.get(), s.compute));
    CUDA_CHECK(cudaStreamWaitEvent(s.stream, ready_.get(), 0));
    // Every rank has the same n, so all of them skip an empty collective.
    if (n > 0) s.settle(what, collective(s.comm, s.stream));
    CUDA_CHECK(cudaEventRecord(pending->event(), s.stream));
    return pending;
  }

  // First: the event and buffer below are created on the current device.
  int current_device_;
  std::shared_ptr<NcclState> state_;
  Device device_;
  Event ready_;  // reused: cudaStreamWaitEvent takes the event as recorded at the call
  DeviceFloat barrier_value_;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(const Context& ctx, TcpStore& store, const std::string& prefix,
                                                     int rank, int size, Milliseconds timeout) {
  YOLO_CHECK(ctx.device().is_cuda(), "nccl: needs a cuda context, not {}", ctx.device().str());
  YOLO_CHECK(size >= 1 && rank >= 0 && rank < size, "nccl: rank {} is not one of the {} ranks", rank, size);
  auto communicator = std::make_unique<NcclCommunicator>(ctx.cuda(), ctx.device(), rank, size, timeout);
  communicator->join(store, prefix);
  return communicator;
}

}  // namespace yolo
