// The distributed layer on the CPU: launcher variables, the rendezvous
// store, Gloo collectives and the gradient reducer, with ranks as threads.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "engine/core/copy.h"
#include "engine/dist/process_group.h"
#include "engine/dist/rank_threads.h"
#include "engine/dist/reducer.h"
#include "engine/dist/sync_batchnorm.h"
#include "engine/graph/model_config.h"
#include "engine/loss/detection_loss.h"
#include "engine/ops/elementwise.h"
#include "engine/optim/optimizer.h"
#include "tests/support/data_parallel_steps.h"
#include "tests/support/test_support.h"

namespace yolo {
namespace {

using test::error_of;
using namespace std::chrono_literals;

// A group of ranks run by run_rank_threads, which serves the store itself.
ProcessGroupOptions in_process(Milliseconds timeout) {
  ProcessGroupOptions options;
  options.serve_store = false;
  options.timeout = timeout;
  return options;
}

EnvironmentLookup lookup_in(const std::map<std::string, std::string>& vars) {
  return [&vars](const char* name) -> const char* {
    const auto found = vars.find(name);
    return found == vars.end() ? nullptr : found->second.c_str();
  };
}

TEST(RankEnvironment, ReadsTorchrunSlurmAndOpenMpiVariables) {
  const std::map<std::string, std::string> none;
  EXPECT_FALSE(read_rank_environment(lookup_in(none)).has_value());

  const std::map<std::string, std::string> torchrun = {{"RANK", "5"}, {"LOCAL_RANK", "1"}, {"WORLD_SIZE", "8"},
                                                       {"LOCAL_WORLD_SIZE", "4"}, {"MASTER_ADDR", "10.0.0.1"},
                                                       {"MASTER_PORT", "29600"}};
  const RankEnvironment t = read_rank_environment(lookup_in(torchrun)).value();
  EXPECT_EQ(t.launcher, "torchrun");
  EXPECT_EQ(t.rank, 5);
  EXPECT_EQ(t.local_rank, 1);
  EXPECT_EQ(t.world_size, 8);
  EXPECT_EQ(t.local_world_size, 4);
  EXPECT_EQ(t.master_addr, "10.0.0.1");
  EXPECT_EQ(t.master_port, 29600);

  const std::map<std::string, std::string> slurm = {{"SLURM_PROCID", "3"}, {"SLURM_LOCALID", "1"},
                                                    {"SLURM_NTASKS", "4"}, {"SLURM_TASKS_PER_NODE", "2(x2)"},
                                                    {"MASTER_ADDR", "node01"}};
  const RankEnvironment s = read_rank_environment(lookup_in(slurm)).value();
  EXPECT_EQ(s.launcher, "slurm");
  EXPECT_EQ(s.rank, 3);
  EXPECT_EQ(s.local_rank, 1);
  EXPECT_EQ(s.world_size, 4);
  EXPECT_EQ(s.local_world_size, 2);
  EXPECT_EQ(s.master_port, 29500) << "torchrun's default port";
  // Across nodes, rank 0's address cannot be guessed.
  std::map<std::string, std::string> slurm_no_master = slurm;
  slurm_no_master.erase("MASTER_ADDR");
  EXPECT_EQ(error_of([&] { read_rank_environment(lookup_in(slurm_no_master)); }),
            "slurm: 4 ranks on several nodes need MASTER_ADDR (rank 0's node) and MASTER_PORT in the environment");

  const std::map<std::string, std::string> mpi = {{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "3"},
                                                  {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                                                  {"OMPI_COMM_WORLD_LOCAL_SIZE", "3"}};
  const RankEnvironment m = read_rank_environment(lookup_in(mpi)).value();
  EXPECT_EQ(m.launcher, "openmpi");
  EXPECT_EQ(m.rank, 2);
  EXPECT_EQ(m.local_world_size, 3);
}

TEST(RankEnvironment, RejectsMalformedValues) {
  const std::map<std::string, std::string> bad_rank = {{"RANK", "two"}, {"WORLD_SIZE", "2"}};
  EXPECT_EQ(error_of([&] { read_rank_environment(lookup_in(bad_rank)); }),
            "RANK=two: expected a non-negative integer");
  const std::map<std::string, std::string> outside = {{"RANK", "2"}, {"WORLD_SIZE", "2"}};
  EXPECT_EQ(error_of([&] { read_rank_environment(lookup_in(outside)); }), "RANK=2 is not below the world size 2");
  const std::map<std::string, std::string> port = {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}};
  EXPECT_EQ(error_of([&] { read_rank_environment(lookup_in(port)); }), "MASTER_PORT=70000: expected a port (1-65535)");
}

TEST(RankEnvironment, MapsLocalRanksToListedDevices) {
  EXPECT_EQ(device_for_rank("cpu", 1, 2), Device::cpu());
  EXPECT_EQ(device_for_rank("0,1,2,3", 2, 4), Device::cuda(2));
  EXPECT_EQ(device_for_rank("4,5", 0, 2), Device::cuda(4));
  EXPECT_EQ(device_for_rank("1", 0, 1), Device::cuda(1));
  EXPECT_EQ(error_of([] { device_for_rank("0,1", 2, 4); }), "--device 0,1: local rank 2 has no device in the list");
  EXPECT_EQ(error_of([] { device_for_rank("0", 1, 2); }),
            "--device 0: 2 ranks on this node need 2 devices (e.g. --device 0,1)");
}

TEST(TcpStore, SetsGetsAddsAndWaits) {
  const TcpStoreServer server(0);
  TcpStore a("127.0.0.1", server.port(), 5s), b("localhost", server.port(), 5s);
  a.set("key", "value");
  EXPECT_EQ(b.get_string("key"), "value");
  EXPECT_EQ(a.add("counter", 2), 2);
  EXPECT_EQ(b.add("counter", 3), 5);
  // get waits for a key another client sets later.
  std::thread late([&] {
    std::this_thread::sleep_for(50ms);
    a.set("late", std::vector<char>{'\0', 'x', '\xff'});
  });
  EXPECT_EQ(b.get("late"), (std::vector<char>{'\0', 'x', '\xff'}));
  late.join();
  EXPECT_EQ(error_of([&] { b.wait({"never"}, 100ms); }),
            "rendezvous: timed out after 0.1 s waiting for never (a rank did not join or failed)");
}

TEST(TcpStore, PortInUseAndNoServerAreClearErrors) {
  const TcpStoreServer server(0);
  EXPECT_EQ(error_of([&] { TcpStoreServer again(server.port()); }),
            fmt::format("rendezvous: port {} is already in use (another run?): choose a free one with --master-port",
                        server.port()));
  // A port nothing listens on any more: the client gives up after its timeout.
  int free_port = 0;
  {
    const TcpStoreServer probe(0);
    free_port = probe.port();
  }
  EXPECT_NE(error_of([&] { TcpStore client("127.0.0.1", free_port, 200ms); })
                .find(fmt::format("rendezvous: no store at 127.0.0.1:{} after 0.2 s", free_port)),
            std::string::npos);
}

TEST(TcpStore, StrangersAreDroppedAndTheStoreGoesOn) {
  const TcpStoreServer server(0);
  // An HTTP probe: its "key length" would be ~790 MB. The server must drop
  // the connection, not allocate it or end the process.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_GT(::send(probe, request, sizeof request - 1, MSG_NOSIGNAL), 0);
  char reply = 0;
  EXPECT_EQ(::recv(probe, &reply, 1, 0), 0) << "the server closes the connection";
  ::close(probe);
  TcpStore client("127.0.0.1", server.port(), 5s);
  client.set("still", "here");
  EXPECT_EQ(client.get_string("still"), "here");
}

TEST(RankThreads, ARankFailingBeforeTheRendezvousEndsTheOthersWaitsAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  const std::string message = error_of([] {
    run_rank_threads(2, [](const RankEnvironment& env) {
      if (env.rank == 1) YOLO_FAIL("no device for rank 1");
      const Context ctx;
      ProcessGroup group(ctx, env, in_process(60s));  // would wait 60 s for rank 1
    });
  });
  EXPECT_EQ(message, "rank 1: no device for rank 1") << "the cause, not rank 0's echo of it";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST(GlooCommunicator, AllReduceBroadcastAllGatherBarrier) {
  for (const int n : {2, 3}) {
    run_rank_threads(n, [n](const RankEnvironment& env) {
      const Context ctx;
      ProcessGroup group(ctx, env, in_process(20s));
      Communicator& comm = group.communicator();
      EXPECT_EQ(comm.rank(), env.rank);
      EXPECT_EQ(comm.size(), n);
      EXPECT_EQ(comm.backend(), "gloo");

      // 1001 values: not a multiple of the ring's chunk count.
      Tensor data = ctx.empty({1001}, DType::f32);
      for (std::int64_t i = 0; i < 1001; ++i) data.data<float>()[i] = static_cast<float>(env.rank * 1000 + i);
      comm.all_reduce(data, ReduceOp::sum);
      const float rank_sum = static_cast<float>(n * (n - 1) / 2);
      for (std::int64_t i = 0; i < 1001; ++i)
        ASSERT_EQ(data.data<float>()[i], rank_sum * 1000 + static_cast<float>(n * i)) << i;

      Tensor mean = ctx.empty({3}, DType::f32);
      for (int i = 0; i < 3; ++i) mean.data<float>()[i] = static_cast<float>(env.rank + i);
      comm.all_reduce(mean, ReduceOp::average);
      for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(mean.data<float>()[i], rank_sum / static_cast<float>(n) + static_cast<float>(i));

      Tensor value = ctx.empty({2}, DType::f32);
      value.data<float>()[0] = static_cast<float>(env.rank + 7), value.data<float>()[1] = -1.0f;
      comm.broadcast(value, 1);
      EXPECT_EQ(value.data<float>()[0], 8.0f) << "rank 1's value";

      Tensor mine = ctx.empty({2}, DType::f32), all = ctx.empty({n, 2}, DType::f32);
      mine.data<float>()[0] = static_cast<float>(env.rank), mine.data<float>()[1] = static_cast<float>(10 * env.rank);
      comm.all_gather(mine, all);
      for (int r = 0; r < n; ++r) {
        EXPECT_EQ(all.data<float>()[2 * r], static_cast<float>(r));
        EXPECT_EQ(all.data<float>()[2 * r + 1], static_cast<float>(10 * r));
      }
      comm.barrier();
      group.check_same("configuration", "same everywhere");
    });
  }
}

TEST(ProcessGroup, DifferentConfigurationsStopEveryRank) {
  const std::string message = error_of([] {
    run_rank_threads(2, [](const RankEnvironment& env) {
      const Context ctx;
      ProcessGroup group(ctx, env, in_process(20s));
      group.check_same("model", env.rank == 0 ? stable_digest("yolov8n") : stable_digest("yolov8s"));
    });
  });
  EXPECT_EQ(message, "rank 0: rank 1 runs a different model than rank 0: every rank must be started with the same "
                     "command and files");
}

// A store of parameters with odd sizes; the gradient of element i of
// rank r is r + i / 1000, so the average is (n-1)/2 + i / 1000. The fixed
// parameter's gradient stays 0 (as backward leaves it) whether or not a
// bucket's slice covers it.
void fill_store(const Context& ctx, ParameterStore& store) {
  const int sizes[] = {37, 1, 250, 3, 1000, 17, 64};
  for (int k = 0; k < 7; ++k) store.add_parameter(fmt::format("p{}", k), {sizes[k]}, ParameterRole::weight);
  store.add_parameter("fixed", {16}, ParameterRole::fixed);
  store.add_parameter("last", {5}, ParameterRole::bias);
  store.allocate(ctx);
}

TEST(GradientReducer, AveragesEveryBucketLayout) {
  struct Layout {
    std::size_t bucket_bytes, first_bytes;
  };
  // Odd sizes, one bucket for everything, a bucket per parameter.
  for (const Layout layout : {Layout{999, 13}, Layout{1 << 20, 1 << 20}, Layout{1, 1}}) {
    run_rank_threads(2, [layout](const RankEnvironment& env) {
      const Context ctx;
      ProcessGroup group(ctx, env, in_process(20s));
      ParameterStore store;
      fill_store(ctx, store);
      GradientReducer reducer(store, group.communicator(), {layout.bucket_bytes, layout.first_bytes});
      if (layout.bucket_bytes == 1) {
        EXPECT_EQ(reducer.bucket_count(), 8) << "every trainable parameter alone";
      }
      if (layout.bucket_bytes == (1 << 20)) {
        EXPECT_EQ(reducer.bucket_count(), 1);
      }
      const Parameter& fixed = *store.find_parameter("fixed");
      auto is_fixed = [&](std::int64_t i) { return i >= fixed.offset && i < fixed.offset + fixed.shape.numel(); };
      for (int step = 0; step < 2; ++step) {
        float* g = store.grads().data<float>();
        for (std::int64_t i = 0; i < store.grads().numel(); ++i)
          g[i] = is_fixed(i) ? 0.0f : static_cast<float>(env.rank) + i / 1000.0f;
        reducer.begin_backward(true);
        // As backward reports them: reverse registration order, one by one.
        const GradReadyHook hook = reducer.hook();
        for (auto it = store.parameters().rbegin(); it != store.parameters().rend(); ++it) hook({&*it});
        reducer.finish();
        for (std::int64_t i = 0; i < store.grads().numel(); ++i)
          ASSERT_FLOAT_EQ(g[i], is_fixed(i) ? 0.0f : 0.5f + i / 1000.0f) << "element " << i << ", step " << step;
      }
      // An accumulation step reduces nothing.
      store.grads().data<float>()[0] = static_cast<float>(env.rank);
      reducer.begin_backward(false);
      reducer.hook()({&store.parameters().back()});
      reducer.finish();
      EXPECT_EQ(store.grads().data<float>()[0], static_cast<float>(env.rank));
    });
  }
}

TEST(GradientReducer, BucketsReduceWhileBackwardGoesOn) {
  // A real backward of yolov8n: after the row that completes the first
  // bucket, the next row does not start until that bucket's all-reduce has
  // completed. Were the communication thread to run only after backward,
  // this would time out instead.
  run_rank_threads(2, [](const RankEnvironment& env) {
    const Context ctx(Device::cpu(), ContextOptions{1, 0});
    ProcessGroup group(ctx, env, in_process(30s));
    Model model(ctx, load_model_config("yolov8n.yaml", {YOLO_TESTS_DIR "/../models"}, 2));
    GradientReducer reducer(model.store(), group.communicator(), {std::size_t{1} << 20, std::size_t{64} << 10});
    ASSERT_GT(reducer.bucket_count(), 2);
    const Tensor image = test::random_uniform(ctx, {1, 64, 64, 3}, 7 + static_cast<std::uint32_t>(env.rank), 0, 1);
    const Tensors outputs = model.forward(ctx, image);
    Tensors grads;
    for (const Tensor& o : outputs) grads.push_back(test::random_uniform(ctx, o.shape(), 3, -1, 1));
    reducer.begin_backward(true);
    int rows = 0, rows_after_first_bucket = 0;
    bool first_done = false;
    const GradReadyHook reduce = reducer.hook();
    model.backward(ctx, grads, [&](const std::vector<Parameter*>& parameters) {
      reduce(parameters);
      ++rows;
      if (first_done) {
        ++rows_after_first_bucket;
      } else if (reducer.buckets_started() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!reducer.bucket_done(0) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
        first_done = reducer.bucket_done(0);
      }
    });
    reducer.finish();
    EXPECT_TRUE(first_done);
    EXPECT_GT(rows_after_first_bucket, 10) << "of " << rows << " rows";
  });
}

// What each of two ranks (threads) holds after training `steps` on its
// half of each batch: weights and buffers, flat. Rank 1 starts from other
// weights, so the start-of-training broadcast must bring it to rank 0's.
struct RankState {
  std::vector<float> weights, buffers;
};

std::vector<RankState> train_two_ranks(const ModelConfig& config, const std::vector<test::Step>& steps, bool sync_bn) {
  std::vector<RankState> states(2);
  run_rank_threads(2, [&](const RankEnvironment& env) {
    const Context ctx(Device::cpu(), ContextOptions{1, 0});
    ProcessGroup group(ctx, env, in_process(60s));
    CommunicatorBatchNormSync sync(group.communicator());
    Model model(ctx, config);
    if (sync_bn) model.set_batchnorm_sync(&sync);
    if (env.rank == 1) fill(ctx, model.store().values(), 0.5);
    broadcast_model_state(group.communicator(), model.store());
    Optimizer optimizer(ctx, model.store(), OptimizerOptions{});
    GradientReducer reducer(model.store(), group.communicator(), {std::size_t{256} << 10, std::size_t{32} << 10});
    for (const test::Step& step : steps) {
      reducer.begin_backward(true);
      test::backward_half(ctx, model, step, env.rank, 2.0f, reducer.hook());
      reducer.finish();
      test::sgd_step(ctx, model, optimizer);
    }
    const Tensor& v = model.store().values();
    const Tensor& b = model.store().buffer_values();
    RankState& state = states[static_cast<std::size_t>(env.rank)];
    state.weights.assign(v.data<float>(), v.data<float>() + v.numel());
    state.buffers.assign(b.data<float>(), b.data<float>() + b.numel());
  });
  return states;
}

// The data-parallel invariant. Two ranks, each with half of a batch, take
// exactly the steps one process takes when it accumulates the gradients of
// the same two halves: the reducer averages, and the loss is scaled by the
// world size as ultralytics does, so the step uses the sum of the halves'
// gradients. (Not one process over the whole batch at once: as in
// ultralytics' DDP, batch norm and the loss's normaliser are per rank.)
TEST(DataParallel, TwoRanksStepAsOneProcessOverTheSameHalves) {
  const ModelConfig config = load_model_config("yolov8n.yaml", {YOLO_TESTS_DIR "/../models"}, 2);
  constexpr int kSteps = 3;
  std::vector<test::Step> steps;
  const Context host(Device::cpu(), ContextOptions{1, 0});
  for (int k = 0; k < kSteps; ++k) steps.push_back(test::make_step(host, 11 + static_cast<std::uint32_t>(k)));

  Model reference(host, config);
  Optimizer reference_optimizer(host, reference.store(), OptimizerOptions{});
  for (const test::Step& step : steps) {
    for (int half = 0; half < 2; ++half) test::backward_half(host, reference, step, half, 1.0f, {});
    test::sgd_step(host, reference, reference_optimizer);
  }

  const std::vector<RankState> ranks = train_two_ranks(config, steps, /*sync_bn=*/false);
  const Tensor& expected = reference.store().values();
  test::expect_close(ranks[0].weights.data(), expected.data<float>(), expected.numel(), 1e-5, 1e-6, "rank 0's weights");
  EXPECT_EQ(ranks[0].weights, ranks[1].weights) << "the ranks' weights are bit-identical";
}

// SyncBN: two ranks, each with half of a batch, take the steps one process
// takes over the whole batch with batch norm over all of it. The loss is
// still each rank's half's (as ultralytics'): the reference computes it per
// half on its outputs and backpropagates both halves' gradients at once.
TEST(DataParallel, SyncBatchNormStepsAsOneProcessOverTheWholeBatch) {
  const ModelConfig config = load_model_config("yolov8n.yaml", {YOLO_TESTS_DIR "/../models"}, 2);
  constexpr int kSteps = 3;
  std::vector<test::Step> steps;
  const Context host(Device::cpu(), ContextOptions{1, 0});
  for (int k = 0; k < kSteps; ++k) steps.push_back(test::make_step(host, 21 + static_cast<std::uint32_t>(k)));

  Model reference(host, config);
  Optimizer reference_optimizer(host, reference.store(), OptimizerOptions{});
  for (const test::Step& step : steps) {
    const Tensors outputs = reference.forward(host, step.images);
    Tensors grads;
    for (const Tensor& o : outputs) grads.push_back(host.empty(o.shape(), DType::f32));
    for (int half = 0; half < 2; ++half) {
      Tensors half_outputs, half_grads;
      for (const Tensor& o : outputs) half_outputs.push_back(o.slice(0, 2 * half, 2 * half + 2));
      detection_loss(host, half_outputs, reference.strides(), step.halves[half], DetectionLossOptions{}, half_grads);
      for (std::size_t i = 0; i < grads.size(); ++i) {
        Tensor part = grads[i].slice(0, 2 * half, 2 * half + 2);
        copy(host, half_grads[i], part);
      }
    }
    reference.backward(host, grads);
    test::sgd_step(host, reference, reference_optimizer);
  }

  const std::vector<RankState> ranks = train_two_ranks(config, steps, /*sync_bn=*/true);
  const Tensor& expected = reference.store().values();
  test::expect_close(ranks[0].weights.data(), expected.data<float>(), expected.numel(), 1e-5, 1e-6, "rank 0's weights");
  EXPECT_EQ(ranks[0].weights, ranks[1].weights) << "the ranks' weights are bit-identical";
  // The running statistics too: every rank's are the global batch's.
  const Tensor& expected_buffers = reference.store().buffer_values();
  test::expect_close(ranks[0].buffers.data(), expected_buffers.data<float>(), expected_buffers.numel(), 1e-5, 1e-6,
                     "rank 0's running statistics");
  EXPECT_EQ(ranks[0].buffers, ranks[1].buffers) << "the ranks' running statistics are bit-identical";
}

}  // namespace
}  // namespace yolo
