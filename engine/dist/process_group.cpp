#include "engine/dist/process_group.h"

#include <fmt/core.h>
#include <unistd.h>

#include "engine/core/error.h"
#include "engine/dist/gloo_communicator.h"
#if YOLO_WITH_CUDA
#include "engine/dist/nccl_communicator.h"
#endif

namespace yolo {
namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Where peers reach this rank: loopback for a one-node job on 127.0.0.1,
// else the address of the interface that reaches the store (the host name
// may resolve to 127.0.1.1 on Debian).
std::string local_host(const RankEnvironment& env, const TcpStore& store) {
  if (is_loopback(env.master_addr)) return "127.0.0.1";
  const std::string address = store.local_address();
  if (!address.empty()) return address;
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

ProcessGroup::ProcessGroup(const Context& ctx, const RankEnvironment& env, ProcessGroupOptions options)
    : env_(env), timeout_(options.timeout) {
  if (env.rank == 0 && options.serve_store)
    server_ = std::make_unique<TcpStoreServer>(env.master_port, is_loopback(env.master_addr));
  store_ = std::make_unique<TcpStore>(env.master_addr, env.master_port, options.timeout);
  if (ctx.device().is_cpu()) {
    communicator_ =
        make_gloo_communicator(*store_, "gloo/", env.rank, env.world_size, local_host(env, *store_), options.timeout);
  } else {
#if YOLO_WITH_CUDA
    communicator_ = make_nccl_communicator(ctx, *store_, "nccl/", env.rank, env.world_size, options.timeout);
#else
    YOLO_FAIL("{}: this build has no CUDA backend", ctx.device().str());
#endif
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::check_same(const std::string& what, const std::string& digest) {
  const std::string prefix = fmt::format("check{}/", checks_++);
  store_->set(prefix + std::to_string(env_.rank), digest);
  // Rank 0 compares everyone's; the others compare theirs with rank 0's.
  // Either way every rank of a mismatched job stops, each with the message:
  // rank 0 serves the store, so it first waits until every rank has read its
  // digest (else its exit could beat a peer's read, which would then only
  // see the store vanish).
  if (env_.rank == 0) {
    std::vector<std::string> read;
    for (int r = 1; r < env_.world_size; ++r) read.push_back(prefix + "read/" + std::to_string(r));
    store_->wait(read);
    for (int r = 1; r < env_.world_size; ++r) {
      YOLO_CHECK(store_->get_string(prefix + std::to_string(r)) == digest,
                 "rank {} runs a different {} than rank 0: every rank must be started with the same command and files",
                 r, what);
    }
  } else {
    const std::string reference = store_->get_string(prefix + "0");
    store_->set(prefix + "read/" + std::to_string(env_.rank), "1");
    YOLO_CHECK(reference == digest,
               "rank {} runs a different {} than rank 0: every rank must be started with the same command and files",
               env_.rank, what);
  }
}

std::string stable_digest(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

}  // namespace yolo
