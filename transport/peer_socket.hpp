#pragma once
// One non-blocking peer connection's bytes, plain or TLS, and the socket calls
// around it (listen, connect). Says what each call did in one word, so the
// network loop above it reads the same for both.
#include <cstdint>
#include <string>

#include <openssl/ssl.h>

namespace acord::transport {

enum class Io {
  done,        // went through (for read and write: `n` bytes)
  again,       // would block: wait until readable
  want_write,  // would block: wait until writable
  closed,      // the other side closed the connection
  failed,      // an error (`PeerSocket::error()` says which)
};

class PeerSocket {
 public:
  // Takes `fd`; with `tls`, speaks TLS over it as the accepting (`server`) or
  // connecting side.
  PeerSocket(int fd, SSL_CTX* tls, bool server);
  ~PeerSocket();
  PeerSocket(const PeerSocket&) = delete;
  PeerSocket& operator=(const PeerSocket&) = delete;

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }
  // The TLS handshake, continued (done at once without TLS).
  Io handshake();
  Io read(char* buf, std::size_t cap, std::size_t& n);
  Io write(const char* buf, std::size_t len, std::size_t& n);
  // No more reads or writes: the network loop sees the connection end.
  void shut_down();
  // TLS bytes already decrypted and waiting to be read (the socket may say
  // nothing is readable while these wait).
  bool has_buffered() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }
  const std::string& error() const { return error_; }

 private:
  Io ssl_result(int ret, const char* what);
  int fd_;
  SSL* ssl_ = nullptr;
  bool handshaken_ = false;
  std::string error_;
};

// A listening socket, non-blocking; -1 with `error` set.
int listen_on(const std::string& host, std::uint16_t port, std::string& error);
// The port a socket is bound to.
std::uint16_t bound_port(int fd);
// A non-blocking connect under way (or done); -1 with `error` set.
int start_connect(const std::string& host, std::uint16_t port, std::string& error);
// Whether a connect that became writable succeeded.
bool connect_succeeded(int fd, std::string& error);
void set_no_delay(int fd);

}  // namespace acord::transport
