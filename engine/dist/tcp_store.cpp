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
// Far above anything a rendezvous stores; a connection that announces more
// is not one of ours (a port scanner, an HTTP probe) and is dropped.
constexpr std::uint32_t kMaxKey = 4096;
constexpr std::uint64_t kMaxValue = std::uint64_t{16} << 20;

enum class Io { ok, closed, timed_out, failed };

Io read_exact(int socket, void* data, std::size_t bytes) {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::recv(socket, p, bytes, 0);
    if (n == 0) return Io::closed;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::timed_out : Io::failed;
    }
    p += n, bytes -= static_cast<std::size_t>(n);
  }
  return Io::ok;
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

TcpStoreServer::TcpStoreServer(int port, bool loopback_only) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  YOLO_CHECK(listener_ >= 0, "rendezvous store: socket(): {}", std::strerror(errno));
  // Lets a new run reuse the port of one that just ended (TIME_WAIT); a port
  // another process listens on still fails to bind.
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(loopback_only ? INADDR_LOOPBACK : INADDR_ANY);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(listener_);
    if (error == EADDRINUSE)
      YOLO_FAIL("rendezvous: port {} is already in use (another run?): choose a free one with --master-port", port);
    YOLO_FAIL("rendezvous: cannot listen on port {}: {}", port, std::strerror(error));
  }
  socklen_t length = sizeof address;
  if (::listen(listener_, 128) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(listener_);
    YOLO_FAIL("rendezvous: cannot listen on port {}: {}", port, std::strerror(error));
  }
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

void TcpStoreServer::disconnect_clients() {
  const std::lock_guard lock(mutex_);
  refusing_ = true;
  for (int client : clients_) ::shutdown(client, SHUT_RDWR);
}

void TcpStoreServer::accept_clients() {
  while (!stopping_) {
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_) return;  // shut down
      // Out of descriptors or buffers for a moment: later clients still need serving.
      std::this_thread::sleep_for(std::chrono::milliseconds(errno == EINTR || errno == ECONNABORTED ? 0 : 10));
      continue;
    }
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(client);
      return;
    }
    if (refusing_) {  // after disconnect_clients: late clients fail at once too
      ::close(client);
      continue;
    }
    clients_.push_back(client);
    try {
      threads_.emplace_back([this, client] { serve(client); });
    } catch (const std::system_error&) {  // no thread for it: the client sees its connection close
      ::shutdown(client, SHUT_RDWR);
    }
  }
}

// One thread per client: a rendezvous has a few requests per rank, and
// blocking reads keep this simple. Nothing may escape a thread (that would
// end the process): anything unexpected drops the connection.
void TcpStoreServer::serve(int socket) {
  serve_requests(socket);
  ::shutdown(socket, SHUT_RDWR);  // the client sees the end now (the descriptor closes with the server)
}

void TcpStoreServer::serve_requests(int socket) try {
  for (;;) {
    char command = 0;
    std::uint32_t key_length = 0;
    std::uint64_t value_length = 0;
    if (read_exact(socket, &command, 1) != Io::ok || read_exact(socket, &key_length, sizeof key_length) != Io::ok ||
        key_length > kMaxKey)
      return;
    std::string key(key_length, '\0');
    if (read_exact(socket, key.data(), key_length) != Io::ok ||
        read_exact(socket, &value_length, sizeof value_length) != Io::ok || value_length > kMaxValue)
      return;
    std::vector<char> value(value_length);
    if (read_exact(socket, value.data(), value.size()) != Io::ok) return;

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
} catch (const std::exception&) {  // dropped like any stranger
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
  // Each wait on the socket (connect, then every reply) gives up after the
  // timeout instead of blocking for the kernel's minutes.
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  limit.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  int last_error = 0;
  while (socket_ < 0) {
    for (addrinfo* a = found; a && socket_ < 0; a = a->ai_next) {
      const int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (s < 0) continue;
      ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);  // bounds connect() too
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
  ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

TcpStore::~TcpStore() {
  if (socket_ >= 0) ::close(socket_);
}

std::string TcpStore::local_address() const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  char text[INET6_ADDRSTRLEN] = {};
  if (::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "";
  const void* ip = address.ss_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&address)->sin6_addr)
                                                : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&address)->sin_addr);
  return ::inet_ntop(address.ss_family, ip, text, sizeof text) ? text : "";
}

TcpStore::Reply TcpStore::request(char command, const std::string& key, const std::vector<char>& value) {
  const std::lock_guard lock(mutex_);
  YOLO_CHECK(socket_ >= 0, "rendezvous: the connection to the store at {} failed earlier", where_);
  const auto key_length = static_cast<std::uint32_t>(key.size());
  const std::uint64_t value_length = value.size();
  char status = 0;
  std::uint64_t reply_length = 0;
  const bool sent = write_exact(socket_, &command, 1) && write_exact(socket_, &key_length, sizeof key_length) &&
                    write_exact(socket_, key.data(), key.size()) &&
                    write_exact(socket_, &value_length, sizeof value_length) &&
                    write_exact(socket_, value.data(), value.size());
  Io io = sent ? read_exact(socket_, &status, 1) : Io::failed;
  if (io == Io::ok) io = read_exact(socket_, &reply_length, sizeof reply_length);
  Reply reply;
  if (io == Io::ok && reply_length > kMaxValue) io = Io::failed;
  if (io == Io::ok) {
    reply.value.resize(reply_length);
    io = read_exact(socket_, reply.value.data(), reply.value.size());
  }
  if (io != Io::ok) {
    // A late reply must never be read as the answer to the next request.
    ::close(socket_);
    socket_ = -1;
    YOLO_CHECK(io != Io::timed_out, "rendezvous: the store at {} did not answer within {} s", where_,
               timeout_.count() / 1000.0);
    YOLO_FAIL("rendezvous: the store at {} stopped answering (rank 0 exited?)", where_);
  }
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
