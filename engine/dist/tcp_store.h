#pragma once
// defines: TcpStoreServer, TcpStore: the rendezvous key-value store (as
// torchrun's TCPStore): rank 0 serves it at MASTER_ADDR:MASTER_PORT, every
// rank (rank 0 too) talks to it as a client. Ranks exchange through it what
// they need to connect (Gloo's addresses, NCCL's unique id) and check that
// they run the same configuration.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace yolo {

using Milliseconds = std::chrono::milliseconds;

class TcpStoreServer {
 public:
  // Listens at `port` (0: a free port the system picks) on every interface,
  // or on 127.0.0.1 only when the job is one node's (loopback_only). A port
  // in use is a yolo::Error that says so and suggests --master-port.
  explicit TcpStoreServer(int port, bool loopback_only = false);
  // Closes every client's connection (a rank failed before joining: the
  // others' waits end now instead of at their timeout).
  void disconnect_clients();
  ~TcpStoreServer();
  TcpStoreServer(const TcpStoreServer&) = delete;
  TcpStoreServer& operator=(const TcpStoreServer&) = delete;

  int port() const { return port_; }

 private:
  void accept_clients();
  void serve(int socket);
  void serve_requests(int socket);  // returns when the client leaves or misbehaves

  int listener_ = -1, port_ = 0;
  std::atomic<bool> stopping_{false};
  bool refusing_ = false;  // guarded by mutex_
  std::mutex mutex_;  // guards values_, clients_
  std::map<std::string, std::vector<char>> values_;
  std::vector<int> clients_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

class TcpStore {
 public:
  // Connects to the server, retrying until `timeout` (rank 0 may start last).
  TcpStore(const std::string& host, int port, Milliseconds timeout);
  ~TcpStore();
  TcpStore(const TcpStore&) = delete;
  TcpStore& operator=(const TcpStore&) = delete;

  void set(const std::string& key, const std::vector<char>& value);
  void set(const std::string& key, const std::string& value);
  // Waits for the key (up to the store's timeout), then returns its value.
  std::vector<char> get(const std::string& key);
  std::string get_string(const std::string& key);
  // Adds delta to the integer at key (0 if absent) and returns the sum.
  std::int64_t add(const std::string& key, std::int64_t delta);
  // Until every key is set; a yolo::Error naming the missing keys after timeout.
  void wait(const std::vector<std::string>& keys, Milliseconds timeout);
  void wait(const std::vector<std::string>& keys) { wait(keys, timeout_); }
  Milliseconds timeout() const { return timeout_; }
  // This end's IP address: the interface that reaches the store (what peers
  // on other nodes can connect to).
  std::string local_address() const;

 private:
  struct Reply {
    bool found = false;
    std::vector<char> value;
  };
  Reply request(char command, const std::string& key, const std::vector<char>& value);

  std::string where_;  // host:port, for messages
  int socket_ = -1;
  Milliseconds timeout_;
  std::mutex mutex_;  // one request at a time on the socket
};

}  // namespace yolo
