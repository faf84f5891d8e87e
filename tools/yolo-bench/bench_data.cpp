// The training data pipeline at 640 px, batch 16: images per second the
// DataLoader delivers (RAM-cached images -> mosaic/affine/HSV/flip batch on
// the CPU) with 1 and 2 worker threads. The dataset is $YOLO_BENCH_DATA (a
// data.yaml; its train split); without it the benchmarks report an error.
// tools/bench/data_vs_ultralytics.sh runs ultralytics' loader beside it.
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <cstdlib>
#include <memory>

#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "tools/yolo-bench/bench_registry.h"

namespace yolo::bench {
namespace {

constexpr std::int32_t kImgsz = 640, kBatch = 16;

void loader_throughput(benchmark::State& state, int workers) {
  const char* data = std::getenv("YOLO_BENCH_DATA");
  if (data == nullptr) {
    state.SkipWithError("set YOLO_BENCH_DATA to a data.yaml (tools/bench/data_vs_ultralytics.sh does)");
    return;
  }
  Diagnostics diag;
  const DataConfig config = load_data_config(data);
  DatasetOptions options;
  options.imgsz = kImgsz, options.cache = CacheMode::ram, options.workers = 2;
  const Dataset ds = open_split(config, config.train, "train", options, diag);
  LoaderOptions lo;
  lo.batch = kBatch, lo.workers = workers;
  DataLoader loader(*ds.store, ds.labels, lo);
  const Context ctx;
  std::int64_t epoch = 0, images = 0;
  loader.start_epoch(epoch);
  // Warm-up: the first batches come while the queue is still filling.
  for (int i = 0; i < 3 && loader.next(ctx); ++i) {
  }
  for (auto _ : state) {
    std::optional<Batch> batch = loader.next(ctx);
    if (!batch) {
      loader.start_epoch(++epoch);
      batch = loader.next(ctx);
    }
    images += batch->images.dim(0);
    benchmark::DoNotOptimize(batch->images.data<float>());
  }
  state.SetItemsProcessed(images);
}

}  // namespace

void register_data_benchmarks(const BenchContexts&) {
  for (int workers : {1, 2}) {
    benchmark::RegisterBenchmark(fmt::format("data_loader/workers:{}", workers).c_str(),
                                 [workers](benchmark::State& state) { loader_throughput(state, workers); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(40);  // one timed run: opening the dataset is not repeated
  }
}

}  // namespace yolo::bench
