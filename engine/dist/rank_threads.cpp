#include "engine/dist/rank_threads.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "engine/core/error.h"
#include "engine/dist/communicator.h"
#include "engine/dist/tcp_store.h"

namespace yolo {

void run_rank_threads(int n, const std::function<void(const RankEnvironment&)>& body) {
  YOLO_CHECK(n >= 1, "thread mode needs at least one rank, not {}", n);
  TcpStoreServer server(0, /*loopback_only=*/true);
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(n));
  std::vector<std::thread> ranks;
  for (int r = 0; r < n; ++r) {
    RankEnvironment env;
    env.rank = env.local_rank = r;
    env.world_size = env.local_world_size = n;
    env.master_addr = "127.0.0.1";
    env.master_port = server.port();
    env.launcher = "threads";
    ranks.emplace_back([&body, &failures, &server, env] {
      try {
        body(env);
      } catch (...) {
        failures[static_cast<std::size_t>(env.rank)] = std::current_exception();
        server.disconnect_clients();  // ranks still joining stop waiting now
      }
    });
  }
  for (std::thread& t : ranks) t.join();
  // The cause, not its echo: a rank whose own work failed, rather than one
  // whose collective failed because of it.
  std::vector<std::pair<int, std::string>> messages;
  for (int r = 0; r < n; ++r) {
    if (!failures[static_cast<std::size_t>(r)]) continue;
    try {
      std::rethrow_exception(failures[static_cast<std::size_t>(r)]);
    } catch (const Error& e) {
      messages.emplace_back(r, e.message());
    } catch (const std::exception& e) {
      messages.emplace_back(r, e.what());
    }
  }
  if (messages.empty()) return;
  const auto is_echo = [](const std::string& m) {
    return m.find(kPeerFailure) != std::string::npos || m.starts_with("rendezvous:");
  };
  const auto cause = std::find_if(messages.begin(), messages.end(), [&](const auto& m) { return !is_echo(m.second); });
  const auto& [rank, message] = cause != messages.end() ? *cause : messages.front();
  YOLO_FAIL("rank {}: {}", rank, message);
}

}  // namespace yolo
