#include "engine/dist/launcher.h"

#include <fmt/core.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include "engine/core/error.h"
#include "engine/dist/tcp_store.h"

namespace yolo {
namespace {

struct Worker {
  pid_t pid = -1;
  int local_rank = 0, rank = 0;
  bool running = false;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  return fmt::format("status {}", status);
}

// This process's environment with `assignments` (NAME=value) set over it.
std::vector<std::string> environment_with(const std::vector<std::string>& assignments) {
  std::vector<std::string> result = assignments;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('=') + 1);
    bool overridden = false;
    for (const std::string& a : assignments) overridden = overridden || a.rfind(name, 0) == 0;
    if (!overridden) result.push_back(entry);
  }
  return result;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (const std::string& s : strings) result.push_back(const_cast<char*>(s.c_str()));
  result.push_back(nullptr);
  return result;
}

// In the child, between fork and exec: only async-signal-safe calls, so
// everything was built before fork.
[[noreturn]] void exec_worker(char* const* argv, char* const* envp, const sigset_t& original_mask, pid_t launcher) {
  // The worker ends with the launcher, even when the launcher is SIGKILLed.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != launcher) ::_exit(127);  // the launcher died before prctl
  ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  ::execve("/proc/self/exe", argv, envp);
  ::_exit(127);
}

}  // namespace

int free_port() {
  const TcpStoreServer probe(0);
  return probe.port();
}

int launch_workers(const std::vector<std::string>& argv, const LaunchOptions& o) {
  YOLO_CHECK(o.nproc_per_node >= 1, "--nproc-per-node {}: expected at least 1", o.nproc_per_node);
  YOLO_CHECK(o.nnodes >= 1 && o.node_rank >= 0 && o.node_rank < o.nnodes,
             "--node-rank {} must be below --nnodes {}", o.node_rank, o.nnodes);
  YOLO_CHECK(o.master_port > 0 || o.nnodes == 1,
             "--nnodes {}: give every node the same --master-addr and --master-port", o.nnodes);
  const int port = o.master_port > 0 ? o.master_port : free_port();
  const int world = o.nproc_per_node * o.nnodes;
  // As torchrun: the node's cores divided among its workers, unless the user chose.
  const char* omp = std::getenv("OMP_NUM_THREADS");
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / o.nproc_per_node);

  const std::vector<char*> args = pointers(argv);

  // SIGCHLD, SIGINT and SIGTERM arrive through sigtimedwait below, not handlers.
  sigset_t watched, original;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &watched, &original);

  if (o.node_rank == 0 && o.master_port == 0) {
    fmt::print("starting {} workers (rendezvous on port {})\n", o.nproc_per_node, port);
    std::fflush(stdout);
  }
  std::vector<Worker> workers(static_cast<std::size_t>(o.nproc_per_node));
  const pid_t self = ::getpid();
  for (int local = 0; local < o.nproc_per_node; ++local) {
    Worker& w = workers[static_cast<std::size_t>(local)];
    w.local_rank = local, w.rank = o.node_rank * o.nproc_per_node + local;
    // Built before fork: the child may not allocate.
    std::vector<std::string> assignments = {
        fmt::format("RANK={}", w.rank), fmt::format("LOCAL_RANK={}", local), fmt::format("WORLD_SIZE={}", world),
        fmt::format("LOCAL_WORLD_SIZE={}", o.nproc_per_node), fmt::format("GROUP_RANK={}", o.node_rank),
        fmt::format("MASTER_ADDR={}", o.master_addr), fmt::format("MASTER_PORT={}", port)};
    if (!omp) assignments.push_back(fmt::format("OMP_NUM_THREADS={}", threads));
    const std::vector<std::string> environment = environment_with(assignments);
    const std::vector<char*> envp = pointers(environment);
    std::fflush(nullptr);
    w.pid = ::fork();
    if (w.pid == 0) exec_worker(args.data(), envp.data(), original, self);
    if (w.pid < 0) {
      // The workers already started must not outlive the launcher's error.
      const int error = errno;
      for (Worker& started : workers) {
        if (!started.running) continue;
        ::kill(started.pid, SIGKILL);
        ::waitpid(started.pid, nullptr, 0);
      }
      ::sigprocmask(SIG_SETMASK, &original, nullptr);
      YOLO_FAIL("cannot start worker {}: fork(): {}", local, std::strerror(error));
    }
    w.running = true;
  }

  int running = o.nproc_per_node;
  const Worker* failed = nullptr;
  int failed_status = 0;
  std::chrono::steady_clock::time_point kill_at{};
  bool stopping = false;
  int interrupted_by = 0;  // SIGINT or SIGTERM sent to the launcher
  auto signal_all = [&](int sig) {
    for (const Worker& w : workers)
      if (w.running) ::kill(w.pid, sig);
  };
  while (running > 0) {
    const timespec tick{0, 200'000'000};
    const int sig = ::sigtimedwait(&watched, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      signal_all(sig);  // the workers decide how to end; the launcher waits for them
      if (!stopping) stopping = true, kill_at = std::chrono::steady_clock::now() + o.grace;
      if (!failed && !interrupted_by) interrupted_by = sig;
    }
    // Reap whoever ended (SIGCHLD may coalesce: poll them all). When several
    // failed since the last look, the one a signal ended is the likelier
    // cause (its peers then fail in their collectives), else the lowest rank.
    const Worker* first_failure = nullptr;
    int first_status = 0;
    for (Worker& w : workers) {
      if (!w.running) continue;
      int status = 0;
      if (::waitpid(w.pid, &status, WNOHANG) != w.pid) continue;
      w.running = false;
      --running;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
      if (!first_failure || (WIFSIGNALED(status) && !WIFSIGNALED(first_status))) first_failure = &w, first_status = status;
    }
    if (first_failure && !failed) {
      failed = first_failure, failed_status = first_status;
      if (!stopping) stopping = true, kill_at = std::chrono::steady_clock::now() + o.grace;
      signal_all(SIGTERM);
    }
    if (stopping && running > 0 && std::chrono::steady_clock::now() > kill_at) signal_all(SIGKILL);
  }
  ::sigprocmask(SIG_SETMASK, &original, nullptr);
  if (interrupted_by) {
    fmt::print(stderr, "yolo-train: interrupted ({}): stopped the workers\n", ::strsignal(interrupted_by));
    return 128 + interrupted_by;  // as a shell reports a command a signal ended
  }
  if (!failed) return 0;
  fmt::print(stderr, "yolo-train: rank {} (local rank {}, pid {}) failed: {}; stopped the other workers\n",
             failed->rank, failed->local_rank, failed->pid, describe_status(failed_status));
  return 1;
}

}  // namespace yolo
