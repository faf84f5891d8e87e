#pragma once
// defines: BenchContexts (one Context per backend that can run here) and the
// registration functions of each benchmark family.
#include <memory>
#include <vector>

#include "engine/core/context.h"

namespace yolo::bench {

struct BenchContexts {
  std::vector<std::unique_ptr<Context>> contexts;  // cpu first, then each CUDA device used
};

void register_memory_benchmarks(const BenchContexts& contexts);
void register_elementwise_benchmarks(const BenchContexts& contexts);
void register_primitive_benchmarks(const BenchContexts& contexts);
void register_conv_benchmarks(const BenchContexts& contexts);
void register_layer_benchmarks(const BenchContexts& contexts);
void register_model_benchmarks(const BenchContexts& contexts);
void register_loss_benchmarks(const BenchContexts& contexts);
void register_data_benchmarks(const BenchContexts& contexts);
void register_eval_benchmarks(const BenchContexts& contexts);
// `yolo-bench allreduce ...`: not a Google Benchmark (it starts its own ranks).
int run_allreduce_benchmark(int argc, char** argv);

}  // namespace yolo::bench
