// yolo-bench allreduce: all-reduce bandwidth between ranks, as nccl-tests
// report it: algbw = bytes / time, busbw = algbw * 2 (n - 1) / n (the
// traffic each link carries in a ring). Starts its own ranks:
//   yolo-bench allreduce [--nproc 2] [--device cpu | 0,1] [--max-mb 256]
// (Gloo on the CPU, NCCL on CUDA devices).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/dist/launcher.h"
#include "engine/dist/process_group.h"
#include "engine/ops/elementwise.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

struct AllreduceOptions {
  int nproc = 2;
  std::string device = "cpu";
  double max_mb = 256;
};

void measure(const RankEnvironment& env, const AllreduceOptions& o) {
  const Context ctx(device_for_rank(o.device, env.local_rank, env.local_world_size));
  ProcessGroup group(ctx, env);
  Communicator& comm = group.communicator();
  if (env.rank == 0) {
    fmt::print("all-reduce (sum, f32) over {} ranks, {} on {}\n", env.world_size, comm.backend(), ctx.device().str());
    fmt::print("{:>12} {:>8} {:>12} {:>12} {:>12}\n", "bytes", "iters", "time (us)", "algbw (GB/s)", "busbw (GB/s)");
  }
  const auto max_bytes = static_cast<std::size_t>(o.max_mb * (1 << 20));
  for (std::size_t bytes = 1024; bytes <= max_bytes; bytes *= 4) {
    Tensor data = ctx.empty({static_cast<std::int64_t>(bytes / sizeof(float))}, DType::f32);
    fill(ctx, data, 1.0);
    // About 0.5 GB moved per size, at least 5 and at most 200 iterations.
    const int iterations = static_cast<int>(std::clamp<std::size_t>((std::size_t{512} << 20) / bytes, 5, 200));
    comm.all_reduce(data, ReduceOp::sum);  // warm-up (connections, buffers)
    comm.barrier();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) comm.all_reduce(data, ReduceOp::sum);
    ctx.synchronize();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
    const double algbw = static_cast<double>(bytes) / seconds / 1e9;
    const double n = env.world_size;
    if (env.rank == 0)
      fmt::print("{:>12} {:>8} {:>12.1f} {:>12.3f} {:>12.3f}\n", bytes, iterations, seconds * 1e6, algbw,
                 algbw * 2 * (n - 1) / n);
  }
  comm.barrier();
}

}  // namespace

int run_allreduce_benchmark(int argc, char** argv) {
  AllreduceOptions o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--nproc" && has_value) o.nproc = std::atoi(argv[++i]);
    else if (a == "--device" && has_value) o.device = argv[++i];
    else if (a == "--max-mb" && has_value) o.max_mb = std::atof(argv[++i]);
    else YOLO_FAIL("allreduce: unknown argument {} (expected --nproc N, --device D, --max-mb M)", a);
  }
  YOLO_CHECK(o.nproc >= 2 && o.max_mb > 0, "allreduce: needs --nproc of at least 2 and a positive --max-mb");
  if (const auto env = read_rank_environment([](const char* name) { return std::getenv(name); })) {
    measure(*env, o);
    return 0;
  }
  LaunchOptions launch;
  launch.nproc_per_node = o.nproc;
  return launch_workers(std::vector<std::string>(argv, argv + argc), launch);
}

}  // namespace yolo::bench
