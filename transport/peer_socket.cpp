#include "transport/peer_socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/peer_tls.hpp"

namespace acord::transport {

PeerSocket::PeerSocket(int fd, SSL_CTX* tls, bool server) : fd_(fd) {
  if (tls == nullptr) {
    handshaken_ = true;
    return;
  }
  ssl_ = SSL_new(tls);
  SSL_set_fd(ssl_, fd_);
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

PeerSocket::~PeerSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

Io PeerSocket::ssl_result(int ret, const char* what) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return Io::again;
    case SSL_ERROR_WANT_WRITE:
      return Io::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return Io::closed;
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::again;
      if (errno == 0) return Io::closed;  // the peer went away without a close_notify
      error_ = std::string(what) + ": " + std::strerror(errno);
      return Io::failed;
    default:
      error_ = std::string(what) + ": " + take_openssl_errors();
      return Io::failed;
  }
}

Io PeerSocket::handshake() {
  if (handshaken_) return Io::done;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshaken_ = true;
    return Io::done;
  }
  return ssl_result(r, "TLS handshake");
}

Io PeerSocket::read(char* buf, std::size_t cap, std::size_t& n) {
  n = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int r = SSL_read(ssl_, buf, static_cast<int>(cap));
    if (r > 0) {
      n = static_cast<std::size_t>(r);
      return Io::done;
    }
    return ssl_result(r, "read");
  }
  for (;;) {
    const auto r = ::recv(fd_, buf, cap, 0);
    if (r > 0) {
      n = static_cast<std::size_t>(r);
      return Io::done;
    }
    if (r == 0) return Io::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::again;
    if (errno == ECONNRESET) return Io::closed;
    error_ = std::string("read: ") + std::strerror(errno);
    return Io::failed;
  }
}

Io PeerSocket::write(const char* buf, std::size_t len, std::size_t& n) {
  n = 0;
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int r = SSL_write(ssl_, buf, static_cast<int>(std::min<std::size_t>(len, 1 << 30)));
    if (r > 0) {
      n = static_cast<std::size_t>(r);
      return Io::done;
    }
    const auto io = ssl_result(r, "write");
    return io == Io::again ? Io::again : io == Io::want_write ? Io::want_write : io;
  }
  for (;;) {
    const auto r = ::send(fd_, buf, len, MSG_NOSIGNAL);
    if (r >= 0) {
      n = static_cast<std::size_t>(r);
      return Io::done;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::want_write;
    if (errno == EPIPE || errno == ECONNRESET) return Io::closed;
    error_ = std::string("write: ") + std::strerror(errno);
    return Io::failed;
  }
}

void PeerSocket::shut_down() { ::shutdown(fd_, SHUT_RDWR); }

namespace {

bool set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// The host's addresses (a name, an IPv4 or an IPv6 address).
addrinfo* resolve(const std::string& host, std::uint16_t port, bool passive, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string h = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  const int r = getaddrinfo(h.empty() || h == "0.0.0.0" ? nullptr : h.c_str(), std::to_string(port).c_str(),
                            &hints, &found);
  if (r != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(r);
    return nullptr;
  }
  return found;
}

}  // namespace

int listen_on(const std::string& host, std::uint16_t port, std::string& error) {
  auto* found = resolve(host, port, true, error);
  if (found == nullptr) return -1;
  int fd = -1;
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    // 0.0.0.0 means every IPv4 address, as etcd's listener binds it.
    if (host == "0.0.0.0" && a->ai_family != AF_INET) continue;
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0 && set_nonblocking(fd)) break;
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0 && error.empty()) error = "no address to listen on";
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

int start_connect(const std::string& host, std::uint16_t port, std::string& error) {
  auto* found = resolve(host, port, false, error);
  if (found == nullptr) return -1;
  int fd = -1;
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd >= 0) set_no_delay(fd);
  return fd;
}

bool connect_succeeded(int fd, std::string& error) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return true;
  error = std::strerror(err);
  return false;
}

void set_no_delay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace acord::transport
