#pragma once
// Partitions without root: a TCP proxy in front of each member's peer port.
// Members advertise the proxy's port to each other and listen on their own;
// every connection between members passes through the proxy of the member
// dialed. The proxy learns which member dialed (the connection's source port
// names a socket, and /proc names the member process holding it), so a cut
// between two members stalls exactly their connections — bytes wait, as they
// would behind a dropped link — until the cut heals.
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "network.hpp"

namespace acord::fault {

class PeerProxy final : public Partitioner {
 public:
  // `targets`: each member's own peer port; `pids`: the members' current pids
  // (they change when a member restarts).
  PeerProxy(std::vector<int> targets, std::function<std::vector<pid_t>()> pids);
  ~PeerProxy();
  PeerProxy(const PeerProxy&) = delete;
  PeerProxy& operator=(const PeerProxy&) = delete;

  int port(int member) const { return ports_.at(static_cast<std::size_t>(member)); }
  void cut(int a, int b) override;
  void heal() override;
  // Connections proxied, and those whose dialer it could not tell (never cut).
  int links() const { return links_; }
  int unidentified() const { return unidentified_; }

 private:
  void accept_loop(int member);
  void pump(int from_fd, int to_fd, int dialer, int dialed);
  int dialer_of(int fd, int proxy_port);
  bool blocked(int a, int b);

  std::vector<int> targets_, ports_, listeners_;
  std::function<std::vector<pid_t>()> pids_;
  std::atomic<bool> stop_{false};
  std::atomic<int> links_{0}, unidentified_{0};
  std::mutex mu_;
  std::set<std::pair<int, int>> cuts_;
  std::vector<std::thread> threads_;
  std::mutex threads_mu_;
};

}  // namespace acord::fault
