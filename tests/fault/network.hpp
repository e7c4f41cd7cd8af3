#pragma once
// Network partitions for the fault test, made with network namespaces: each
// member runs in a namespace of its own, with a veth pair to a bridge the test
// creates (on a private 10.x subnet); the test's clients reach every member
// through the bridge. A partition between two members is a pair of blackhole
// routes inside their namespaces; healing deletes them. Everything is created
// by this class and removed by its destructor (or by cleanup() from a signal
// handler). Needs root (CAP_NET_ADMIN); without it, available() is false and
// the test runs without partitions.
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace acord::fault {

// What the nemesis partitions with: network namespaces (root) or the peer
// proxy (tests/fault/peer_proxy.hpp).
class Partitioner {
 public:
  virtual ~Partitioner() = default;
  // Member a and b no longer reach each other (both directions).
  virtual void cut(int a, int b) = 0;
  virtual void heal() = 0;  // every cut undone
};

class NetnsNetwork final : public Partitioner {
 public:
  // Creates the namespaces and the bridge for `members` members; on failure
  // available() is false (and nothing is left behind).
  explicit NetnsNetwork(int members);
  ~NetnsNetwork();
  NetnsNetwork(const NetnsNetwork&) = delete;
  NetnsNetwork& operator=(const NetnsNetwork&) = delete;

  bool available() const { return ok_; }
  std::string address(int member) const;
  std::vector<std::string> launcher(int member) const;  // "ip netns exec <ns>"

  void cut(int a, int b) override;
  void heal() override;
  void cleanup();

 private:
  bool run(const std::vector<std::string>& argv);
  std::string ns(int member) const;
  std::string tag_, subnet_;
  int members_;
  bool ok_ = false;
  std::mutex mu_;
  std::set<std::pair<int, int>> cuts_;
};

}  // namespace acord::fault
