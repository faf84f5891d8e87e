#include "engine/dist/gloo_communicator.h"

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <atomic>
#include <thread>

#include "engine/core/error.h"

namespace yolo {
namespace {

// Gloo's rendezvous Store on ours, keys under a prefix.
class StoreAdapter final : public gloo::rendezvous::Store {
 public:
  StoreAdapter(TcpStore& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}
  void set(const std::string& key, const std::vector<char>& data) override { store_.set(prefix_ + key, data); }
  std::vector<char> get(const std::string& key) override { return store_.get(prefix_ + key); }
  void wait(const std::vector<std::string>& keys) override { wait(keys, store_.timeout()); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override {
    std::vector<std::string> prefixed;
    for (const std::string& key : keys) prefixed.push_back(prefix_ + key);
    store_.wait(prefixed, timeout);
  }

 private:
  TcpStore& store_;
  std::string prefix_;
};

// A collective queued on the communication thread.
struct Queued {
  std::future<void> done;
  std::shared_ptr<double> seconds;  // written by the thread before `done` is ready
};

class GlooPending final : public PendingCollective {
 public:
  explicit GlooPending(Queued queued) : queued_(std::move(queued)) {}
  void wait() override {
    if (queued_.done.valid()) queued_.done.get();
  }
  bool done() const override {
    return !queued_.done.valid() || queued_.done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  double seconds() const override { return *queued_.seconds; }

 private:
  Queued queued_;
};

float* host_floats(const Tensor& t, const char* what) {
  YOLO_CHECK(t.device().is_cpu() && t.dtype() == DType::f32 && t.is_contiguous(),
             "gloo {}: expected a contiguous f32 cpu tensor", what);
  return const_cast<float*>(t.data<float>());
}

class GlooCommunicator final : public Communicator {
 public:
  GlooCommunicator(std::shared_ptr<gloo::Context> context, Milliseconds timeout)
      : context_(std::move(context)), timeout_(timeout), thread_([this] { run(); }) {}

  ~GlooCommunicator() override {
    std::deque<std::packaged_task<void()>> abandoned;
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
      abandoned.swap(queue_);  // not run: their futures report a broken promise
    }
    ready_.notify_one();
    thread_.join();
  }

  int rank() const override { return context_->rank; }
  int size() const override { return context_->size; }
  std::string backend() const override { return "gloo"; }

  std::unique_ptr<PendingCollective> start_all_reduce(Tensor& data, ReduceOp op) override {
    float* p = host_floats(data, "all-reduce");
    const auto n = static_cast<std::size_t>(data.numel());
    return std::make_unique<GlooPending>(submit("all-reduce", [this, p, n, op] {
      if (n == 0) return;
      gloo::AllreduceOptions options(context_);
      options.setOutput(p, n);
      options.setReduceFunction(
          static_cast<void (*)(void*, const void*, const void*, std::size_t)>(&gloo::sum<float>));
      options.setTimeout(timeout_);
      gloo::allreduce(options);
      if (op == ReduceOp::average) {
        const float scale = 1.0f / static_cast<float>(context_->size);
        for (std::size_t i = 0; i < n; ++i) p[i] *= scale;
      }
    }));
  }

  void broadcast(Tensor& data, int root, std::optional<Milliseconds> timeout) override {
    float* p = host_floats(data, "broadcast");
    const auto n = static_cast<std::size_t>(data.numel());
    const Milliseconds limit = timeout.value_or(timeout_);
    submit("broadcast", [this, p, n, root, limit] {
      if (n == 0) return;
      gloo::BroadcastOptions options(context_);
      options.setOutput(p, n);
      options.setRoot(root);
      options.setTimeout(limit);
      gloo::broadcast(options);
    }).done.get();
  }

  void all_gather(const Tensor& in, Tensor& out) override {
    float* source = host_floats(in, "all-gather");
    float* target = host_floats(out, "all-gather");
    const auto n = static_cast<std::size_t>(in.numel());
    YOLO_CHECK(out.numel() == in.numel() * size(), "gloo all-gather: the output holds {} values, not {} x {}",
               out.numel(), size(), in.numel());
    submit("all-gather", [this, source, target, n] {
      if (n == 0) return;
      gloo::AllgatherOptions options(context_);
      options.setInput(source, n);
      options.setOutput(target, n * static_cast<std::size_t>(context_->size));
      options.setTimeout(timeout_);
      gloo::allgather(options);
    }).done.get();
  }

  void barrier() override {
    submit("barrier", [this] {
      gloo::BarrierOptions options(context_);
      options.setTimeout(timeout_);
      gloo::barrier(options);
    }).done.get();
  }

 private:
  // Queues a collective on the communication thread. Gloo's errors (a peer
  // closed its connection, a timeout) come back from the future as a
  // yolo::Error.
  Queued submit(const char* what, std::function<void()> collective) {
    auto seconds = std::make_shared<double>(0.0);
    std::packaged_task<void()> task([this, what, seconds, collective = std::move(collective)] {
      // After a failure the pairs may still hold a peer's late message, which
      // the next collective would take for its own: none runs any more.
      YOLO_CHECK(!failed_, "{} on rank {}: the communicator is unusable after an earlier failure", what, rank());
      try {
        const auto start = std::chrono::steady_clock::now();
        collective();
        *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      } catch (const std::exception& e) {
        failed_ = true;
        YOLO_FAIL("{} failed on rank {} of {} ({} after {} s): {}", what, rank(), size(), kPeerFailure,
                  timeout_.count() / 1000.0, e.what());
      }
    });
    std::future<void> done = task.get_future();
    {
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return {std::move(done), std::move(seconds)};
  }

  void run() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::shared_ptr<gloo::Context> context_;
  Milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stopping_ = false;
  std::atomic<bool> failed_{false};
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace

std::unique_ptr<Communicator> make_gloo_communicator(TcpStore& store, const std::string& prefix, int rank, int size,
                                                     const std::string& local_host, Milliseconds timeout) {
  gloo::transport::tcp::attr attr;
  if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface) attr.iface = iface;
  else attr.hostname = local_host;
  try {
    std::shared_ptr<gloo::transport::Device> device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(rank, size);
    context->setTimeout(timeout);
    StoreAdapter adapter(store, prefix);
    context->connectFullMesh(adapter, device);
    return std::make_unique<GlooCommunicator>(std::move(context), timeout);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    YOLO_FAIL("gloo: rank {} of {} could not connect to its peers at {}: {}", rank, size,
              attr.iface.empty() ? attr.hostname : attr.iface, e.what());
  }
}

}  // namespace yolo
