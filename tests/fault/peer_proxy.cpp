#include "peer_proxy.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace acord::fault {

namespace {

int listen_on_free_port(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 64);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The inode of the socket whose local port is `local` and remote port `remote`
// (both on 127.0.0.1), from /proc/net/tcp.
unsigned long socket_inode(int local, int remote) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  char want_local[32], want_remote[32];
  std::snprintf(want_local, sizeof want_local, "0100007F:%04X", local);
  std::snprintf(want_remote, sizeof want_remote, "0100007F:%04X", remote);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, loc, rem, st, queues, timer, retr, uid, timeout;
    unsigned long inode = 0;
    f >> slot >> loc >> rem >> st >> queues >> timer >> retr >> uid >> timeout >> inode;
    if (loc == want_local && rem == want_remote) return inode;
  }
  return 0;
}

bool process_holds(pid_t pid, unsigned long inode) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  const std::string want = "socket:[" + std::to_string(inode) + "]";
  bool found = false;
  char target[64];
  while (auto* e = ::readdir(d)) {
    const auto n = ::readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<std::size_t>(n)) == want) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace

PeerProxy::PeerProxy(std::vector<int> targets, std::function<std::vector<pid_t>()> pids)
    : targets_(std::move(targets)), pids_(std::move(pids)) {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    int port = 0;
    listeners_.push_back(listen_on_free_port(&port));
    ports_.push_back(port);
  }
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    threads_.emplace_back([this, i] { accept_loop(static_cast<int>(i)); });
  }
}

PeerProxy::~PeerProxy() {
  stop_ = true;
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  for (int fd : listeners_) ::close(fd);
}

void PeerProxy::cut(int a, int b) {
  std::lock_guard<std::mutex> lock(mu_);
  cuts_.insert({std::min(a, b), std::max(a, b)});
}

void PeerProxy::heal() {
  std::lock_guard<std::mutex> lock(mu_);
  cuts_.clear();
}

bool PeerProxy::blocked(int a, int b) {
  if (a < 0 || b < 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return cuts_.count({std::min(a, b), std::max(a, b)}) != 0;
}

int PeerProxy::dialer_of(int fd, int proxy_port) {
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return -1;
  const auto inode = socket_inode(ntohs(peer.sin_port), proxy_port);
  if (inode == 0) return -1;
  const auto pids = pids_();
  for (std::size_t m = 0; m < pids.size(); ++m) {
    if (process_holds(pids[m], inode)) return static_cast<int>(m);
  }
  return -1;
}

void PeerProxy::accept_loop(int member) {
  const int listener = listeners_[static_cast<std::size_t>(member)];
  while (!stop_) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int in = ::accept(listener, nullptr, nullptr);
    if (in < 0) continue;
    const int dialer = dialer_of(in, ports_[static_cast<std::size_t>(member)]);
    ++links_;
    if (dialer < 0) ++unidentified_;
    const int out = connect_to(targets_[static_cast<std::size_t>(member)]);
    if (out < 0) {
      ::close(in);
      continue;
    }
    std::lock_guard<std::mutex> lock(threads_mu_);
    if (stop_) {
      ::close(in);
      ::close(out);
      break;
    }
    // Each direction has a pump; the one that sees the connection end closes both.
    auto shared = std::make_shared<std::atomic<int>>(2);
    threads_.emplace_back([this, in, out, dialer, member, shared] {
      pump(in, out, dialer, member);
      if (--*shared == 0) {
        ::close(in);
        ::close(out);
      }
    });
    threads_.emplace_back([this, in, out, dialer, member, shared] {
      pump(out, in, dialer, member);
      if (--*shared == 0) {
        ::close(in);
        ::close(out);
      }
    });
  }
}

void PeerProxy::pump(int from_fd, int to_fd, int dialer, int dialed) {
  char buf[64 * 1024];
  while (!stop_) {
    if (blocked(dialer, dialed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the link is down: bytes wait
      continue;
    }
    pollfd p{from_fd, POLLIN, 0};
    const int r = ::poll(&p, 1, 50);
    if (r == 0) continue;
    if (r < 0) break;
    const auto n = ::read(from_fd, buf, sizeof buf);
    if (n <= 0) break;
    std::size_t sent = 0;
    while (sent < static_cast<std::size_t>(n)) {
      const auto w = ::send(to_fd, buf + sent, static_cast<std::size_t>(n) - sent, MSG_NOSIGNAL);
      if (w <= 0) {
        ::shutdown(from_fd, SHUT_RDWR);
        return;
      }
      sent += static_cast<std::size_t>(w);
    }
  }
  ::shutdown(to_fd, SHUT_RDWR);  // wake the other direction's pump
}

}  // namespace acord::fault
