// yolo-bench: micro-benchmarks of every kernel on every backend that can run
// here (Google Benchmark). Memory-bound kernels report bytes/s, to set
// against memcpy measured in the same run.
//   yolo-bench --list            names of all benchmarks
//   yolo-bench --filter=REGEX    run a subset (--benchmark_* flags also work)
//   yolo-bench allreduce ...     all-reduce bandwidth between ranks (bench_allreduce.cpp)
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <string>
#include <vector>

#include "engine/core/backends.h"
#include "engine/core/error.h"
#include "tools/yolo-bench/bench_registry.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "allreduce") {
    try {
      return yolo::bench::run_allreduce_benchmark(argc, argv);
    } catch (const yolo::Error& e) {
      fmt::print(stderr, "yolo-bench: error: {}\n", e.message());
      return 1;
    }
  }
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--list") {
      args.emplace_back("--benchmark_list_tests=true");
    } else if (a.starts_with("--filter=")) {
      args.push_back("--benchmark_filter=" + a.substr(9));
    } else {
      args.push_back(a);
    }
  }
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  int cargc = static_cast<int>(cargs.size());

  try {
    yolo::bench::BenchContexts contexts;
    contexts.contexts.push_back(std::make_unique<yolo::Context>(yolo::Device::cpu()));
    for (int i = 0; i < yolo::cuda_device_count(); ++i) {
      contexts.contexts.push_back(std::make_unique<yolo::Context>(yolo::Device::cuda(i)));
    }
    if (yolo::cuda_built() && yolo::cuda_device_count() == 0) {
      fmt::print(stderr, "yolo-bench: no CUDA device: benchmarking cpu only\n");
    }
    yolo::bench::register_memory_benchmarks(contexts);
    yolo::bench::register_elementwise_benchmarks(contexts);
    yolo::bench::register_primitive_benchmarks(contexts);
    yolo::bench::register_conv_benchmarks(contexts);
    yolo::bench::register_layer_benchmarks(contexts);
    yolo::bench::register_model_benchmarks(contexts);
    yolo::bench::register_loss_benchmarks(contexts);
    yolo::bench::register_data_benchmarks(contexts);
    yolo::bench::register_eval_benchmarks(contexts);

    benchmark::Initialize(&cargc, cargs.data());
    if (benchmark::ReportUnrecognizedArguments(cargc, cargs.data())) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const yolo::Error& e) {
    fmt::print(stderr, "yolo-bench: error: {}\n", e.message());
    return 1;
  }
  return 0;
}
