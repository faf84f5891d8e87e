#include "engine/dist/rank_threads.h"

#include <exception>
#include <thread>
#include <vector>

#include "engine/core/error.h"
#include "engine/dist/tcp_store.h"

namespace yolo {

void run_rank_threads(int n, const std::function<void(const RankEnvironment&)>& body) {
  YOLO_CHECK(n >= 1, "thread mode needs at least one rank, not {}", n);
  const TcpStoreServer server(0);
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(n));
  std::vector<std::thread> ranks;
  for (int r = 0; r < n; ++r) {
    RankEnvironment env;
    env.rank = env.local_rank = r;
    env.world_size = env.local_world_size = n;
    env.master_addr = "127.0.0.1";
    env.master_port = server.port();
    env.launcher = "threads";
    ranks.emplace_back([&body, &failures, env] {
      try {
        body(env);
      } catch (...) {
        failures[static_cast<std::size_t>(env.rank)] = std::current_exception();
      }
    });
  }
  for (std::thread& t : ranks) t.join();
  for (int r = 0; r < n; ++r) {
    if (!failures[static_cast<std::size_t>(r)]) continue;
    try {
      std::rethrow_exception(failures[static_cast<std::size_t>(r)]);
    } catch (const Error& e) {
      YOLO_FAIL("rank {}: {}", r, e.message());
    } catch (const std::exception& e) {
      YOLO_FAIL("rank {}: {}", r, e.what());
    }
  }
}

}  // namespace yolo
