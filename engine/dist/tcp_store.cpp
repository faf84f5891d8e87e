#include "engine/dist/tcp_store.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/core/error.h"

namespace yolo {
namespace {

// The wire format, both ways little-endian host order (every rank runs the
// same binary on the same kind of machine):
//   request:  command (1 byte), key length (u32), key, value length (u64), value
//   response: status (1 byte), payload length (u64), payload
constexpr char kSet = 'S', kGet = 'G', kAdd = 'A', kCheck = 'C';
constexpr char kOk = 1, kMissing = 0;

// False when the peer closed the connection or the socket failed.
bool read_exact(int socket, void* data, std::size_t bytes) {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::recv(socket, p, bytes, 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n, bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_exact(int socket, const void* data, std::size_t bytes) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::send(socket, p, bytes, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n, bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_message(int socket, char head, const std::vector<char>& payload) {
  const std::uint64_t n = payload.size();
  return write_exact(socket, &head, 1) && write_exact(socket, &n, sizeof n) &&
         write_exact(socket, payload.data(), payload.size());
}

std::vector<char> encode_int(std::int64_t v) {
  std::vector<char> bytes(sizeof v);
  std::memcpy(bytes.data(), &v, sizeof v);
  return bytes;
}

std::int64_t decode_int(const std::vector<char>& bytes) {
  std::int64_t v = 0;
  if (bytes.size() == sizeof v) std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

}  // namespace

TcpStoreServer::TcpStoreServer(int port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  YOLO_CHECK(listener_ >= 0, "rendezvous store: socket(): {}", std::strerror(errno));
  // Lets a new run reuse the port of one that just ended (TIME_WAIT); a port
  // another process listens on still fails to bind.
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(listener_);
    if (error == EADDRINUSE)
      YOLO_FAIL("rendezvous: port {} is already in use (another run?): choose a free one with --master-port", port);
    YOLO_FAIL("rendezvous: cannot listen on port {}: {}", port, std::strerror(error));
  }
  YOLO_CHECK(::listen(listener_, 128) == 0, "rendezvous: listen(): {}", std::strerror(errno));
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_clients(); });
}

TcpStoreServer::~TcpStoreServer() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  {
    const std::lock_guard lock(mutex_);
    for (int client : clients_) ::shutdown(client, SHUT_RDWR);  // wakes each serve()
  }
  for (std::thread& t : threads_) t.join();
  for (int client : clients_) ::close(client);
  ::close(listener_);
}

void TcpStoreServer::accept_clients() {
  while (!stopping_) {
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(client);
      return;
    }
    clients_.push_back(client);
    threads_.emplace_back([this, client] { serve(client); });
  }
}

// One thread per client: a rendezvous has a few requests per rank, and
// blocking reads keep this simple.
void TcpStoreServer::serve(int socket) {
  for (;;) {
    char command = 0;
    std::uint32_t key_length = 0;
    std::uint64_t value_length = 0;
    if (!read_exact(socket, &command, 1) || !read_exact(socket, &key_length, sizeof key_length)) return;
    std::string key(key_length, '\0');
    if (!read_exact(socket, key.data(), key_length) || !read_exact(socket, &value_length, sizeof value_length)) return;
    if (value_length > (std::uint64_t{1} << 30)) return;  // not one of ours
    std::vector<char> value(value_length);
    if (!read_exact(socket, value.data(), value.size())) return;

    char status = kOk;
    std::vector<char> reply;
    {
      const std::lock_guard lock(mutex_);
      const auto found = values_.find(key);
      switch (command) {
        case kSet: values_[key] = std::move(value); break;
        case kGet:
          if (found == values_.end()) status = kMissing;
          else reply = found->second;
          break;
        case kCheck: status = found == values_.end() ? kMissing : kOk; break;
        case kAdd: {
          const std::int64_t sum = (found == values_.end() ? 0 : decode_int(found->second)) + decode_int(value);
          values_[key] = reply = encode_int(sum);
          break;
        }
        default: return;  // not one of ours: drop the connection
      }
    }
    if (!write_message(socket, status, reply)) return;
  }
}

TcpStore::TcpStore(const std::string& host, int port, Milliseconds timeout)
    : where_(host + ":" + std::to_string(port)), timeout_(timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  YOLO_CHECK(status == 0 && found, "rendezvous: cannot resolve MASTER_ADDR {}: {}", host, ::gai_strerror(status));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int last_error = 0;
  while (socket_ < 0) {
    for (addrinfo* a = found; a && socket_ < 0; a = a->ai_next) {
      const int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (s < 0) continue;
      if (::connect(s, a->ai_addr, a->ai_addrlen) == 0) {
        socket_ = s;
      } else {
        last_error = errno;
        ::close(s);
      }
    }
    if (socket_ >= 0 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // rank 0 may not listen yet
  }
  ::freeaddrinfo(found);
  YOLO_CHECK(socket_ >= 0, "rendezvous: no store at {} after {} s ({}): is rank 0 running, and are MASTER_ADDR and "
             "MASTER_PORT right?", where_, timeout.count() / 1000.0, std::strerror(last_error));
  const int one = 1;
  ::setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A store that stops answering fails a request after the timeout instead of hanging it.
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  limit.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

TcpStore::~TcpStore() {
  if (socket_ >= 0) ::close(socket_);
}

TcpStore::Reply TcpStore::request(char command, const std::string& key, const std::vector<char>& value) {
  const std::lock_guard lock(mutex_);
  const auto key_length = static_cast<std::uint32_t>(key.size());
  const std::uint64_t value_length = value.size();
  char status = 0;
  std::uint64_t reply_length = 0;
  bool ok = write_exact(socket_, &command, 1) && write_exact(socket_, &key_length, sizeof key_length) &&
            write_exact(socket_, key.data(), key.size()) &&
            write_exact(socket_, &value_length, sizeof value_length) &&
            write_exact(socket_, value.data(), value.size()) && read_exact(socket_, &status, 1) &&
            read_exact(socket_, &reply_length, sizeof reply_length);
  Reply reply;
  if (ok) {
    reply.value.resize(reply_length);
    ok = read_exact(socket_, reply.value.data(), reply.value.size());
  }
  YOLO_CHECK(ok, "rendezvous: the store at {} stopped answering (rank 0 exited?)", where_);
  reply.found = status == kOk;
  return reply;
}

void TcpStore::set(const std::string& key, const std::vector<char>& value) { request(kSet, key, value); }

void TcpStore::set(const std::string& key, const std::string& value) {
  set(key, std::vector<char>(value.begin(), value.end()));
}

std::vector<char> TcpStore::get(const std::string& key) {
  wait({key});
  return request(kGet, key, {}).value;
}

std::string TcpStore::get_string(const std::string& key) {
  const std::vector<char> value = get(key);
  return {value.begin(), value.end()};
}

std::int64_t TcpStore::add(const std::string& key, std::int64_t delta) {
  return decode_int(request(kAdd, key, encode_int(delta)).value);
}

// Polls: a rendezvous waits for a few keys once, and polling keeps the
// server free of waiting lists.
void TcpStore::wait(const std::vector<std::string>& keys, Milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  std::size_t ready = 0;  // keys[0, ready) are set (keys are never removed)
  while (ready < keys.size()) {
    if (request(kCheck, keys[ready], {}).found) {
      ++ready;
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::string missing;
      for (std::size_t k = ready; k < keys.size() && k < ready + 4; ++k) missing += (missing.empty() ? "" : ", ") + keys[k];
      YOLO_FAIL("rendezvous: timed out after {} s waiting for {} (a rank did not join or failed)",
                timeout.count() / 1000.0, missing);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace yolo
