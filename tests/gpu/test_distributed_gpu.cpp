// The data-parallel layer on CUDA (NCCL): collectives, and the invariant
// that ranks with half a batch each step as one process over both halves.
// One device: a one-rank NCCL job against no communicator at all. Two or
// more: two ranks (threads, a device each) against the cpu. Without a CUDA
// device each test is skipped with "skipped: no CUDA device".
#include <gtest/gtest.h>

#include "engine/core/backends.h"
#include "engine/core/copy.h"
#include "engine/dist/process_group.h"
#include "engine/dist/rank_threads.h"
#include "engine/dist/reducer.h"
#include "engine/graph/model_config.h"
#include "tests/support/data_parallel_steps.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using namespace std::chrono_literals;

ProcessGroupOptions thread_mode() {
  ProcessGroupOptions options;
  options.serve_store = false;
  options.timeout = 120s;
  return options;
}

// The weights after kSteps of rank `env.rank`'s halves on `device`, all
// reduced through a ProcessGroup (or, with no env, both halves locally).
std::vector<float> train_steps(const Device& device, const RankEnvironment* env, int steps_count) {
  const Context ctx(device);
  const ModelConfig config = load_model_config("yolov8n.yaml", {YOLO_TESTS_DIR "/../models"}, 2);
  Model model(ctx, config);
  Optimizer optimizer(ctx, model.store(), OptimizerOptions{});
  std::unique_ptr<ProcessGroup> group;
  std::unique_ptr<GradientReducer> reducer;
  if (env) {
    group = std::make_unique<ProcessGroup>(ctx, *env, thread_mode());
    broadcast_model_state(group->communicator(), model.store());
    reducer = std::make_unique<GradientReducer>(model.store(), group->communicator(),
                                                ReducerOptions{std::size_t{256} << 10, std::size_t{32} << 10});
  }
  for (int k = 0; k < steps_count; ++k) {
    const test::Step step = test::make_step(ctx, 11 + static_cast<std::uint32_t>(k));
    if (reducer) {
      const int world = env->world_size;
      reducer->begin_backward(true);
      // One rank alone takes both halves (the reducer then averages over 1).
      for (int half = world == 1 ? 0 : env->rank; half < (world == 1 ? 2 : env->rank + 1); ++half)
        test::backward_half(ctx, model, step, half, static_cast<float>(world), reducer->hook());
      reducer->finish();
    } else {
      for (int half = 0; half < 2; ++half) test::backward_half(ctx, model, step, half, 1.0f, {});
    }
    test::sgd_step(ctx, model, optimizer);
  }
  return test::host_floats(ctx, model.store().values());
}

TEST(DistributedGpu, OneRankNcclStepsAsNoCommunicator) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "skipped: no CUDA device";
  const std::vector<float> plain = train_steps(Device::cuda(0), nullptr, 3);
  std::vector<float> reduced;
  run_rank_threads(1, [&](const RankEnvironment& env) { reduced = train_steps(Device::cuda(0), &env, 3); });
  // An all-reduce over one rank changes nothing; the tolerance only allows
  // for cuDNN choosing other algorithms for the second model.
  test::expect_close(reduced.data(), plain.data(), static_cast<std::int64_t>(plain.size()), 1e-5, 1e-7,
                     "one NCCL rank against no communicator");
}

TEST(DistributedGpu, NcclCollectivesOnTwoDevices) {
  if (cuda_device_count() < 2) GTEST_SKIP() << "skipped: fewer than 2 CUDA devices";
  run_rank_threads(2, [](const RankEnvironment& env) {
    const Context ctx(Device::cuda(env.rank));
    ProcessGroup group(ctx, env, thread_mode());
    Communicator& comm = group.communicator();
    EXPECT_EQ(comm.backend(), "nccl");
    const Context host;
    Tensor values = host.empty({1001}, DType::f32);
    for (int i = 0; i < 1001; ++i) values.data<float>()[i] = static_cast<float>(env.rank * 1000 + i);
    Tensor data = to_device(ctx, values);
    comm.all_reduce(data, ReduceOp::average);
    const std::vector<float> mean = test::host_floats(ctx, data);
    for (int i = 0; i < 1001; ++i) ASSERT_FLOAT_EQ(mean[static_cast<std::size_t>(i)], 500.0f + static_cast<float>(i));
    Tensor root = to_device(ctx, values.slice(0, 0, 2));
    comm.broadcast(root, 1);
    EXPECT_EQ(test::host_floats(ctx, root)[0], 1000.0f);
    Tensor all = ctx.empty({2, 2}, DType::f32);
    comm.all_gather(to_device(ctx, values.slice(0, 0, 2)), all);
    EXPECT_EQ(test::host_floats(ctx, all)[2], 1000.0f);
    comm.barrier();
  });
}

TEST(DistributedGpu, TwoRanksOnTwoDevicesStepAsTheCpu) {
  if (cuda_device_count() < 2) GTEST_SKIP() << "skipped: fewer than 2 CUDA devices";
  const std::vector<float> expected = train_steps(Device::cpu(), nullptr, 3);
  std::vector<std::vector<float>> weights(2);
  run_rank_threads(2, [&](const RankEnvironment& env) {
    weights[static_cast<std::size_t>(env.rank)] = train_steps(Device::cuda(env.rank), &env, 3);
  });
  EXPECT_EQ(weights[0], weights[1]) << "the ranks' weights are bit-identical";
  // cuDNN's convolutions sum in other orders than oneDNN's (see the layer parity tests).
  test::expect_close(weights[0].data(), expected.data(), static_cast<std::int64_t>(expected.size()), 1e-3, 1e-5,
                     "rank 0's weights against the cpu");
}

}  // namespace
}  // namespace yolo
