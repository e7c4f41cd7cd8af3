#pragma once
// The nemesis: at random moments, it kills a member with SIGKILL and starts it
// again, pauses one (SIGSTOP) for longer than an election timeout and lets it
// go on (SIGCONT), or removes one from the cluster and adds it back afresh —
// the leader or a follower, as the dice say — or, given a
// network, partitions the members for a while: one member (maybe the leader)
// cut off, a minority from a majority, or a bridge (two members that cannot
// reach each other but both reach a third). It stops only processes of the
// cluster it was given, by their pids, and leaves every member running and
// the network whole when it ends.
#include <atomic>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../integration/server.hpp"
#include "network.hpp"

namespace acord::fault {

class Nemesis {
 public:
  // `leader` answers the index of the current leader, or -1.
  Nemesis(std::vector<test::Server*> members, std::function<int()> leader, std::uint64_t seed, int election_ms,
          Partitioner* network = nullptr);
  ~Nemesis();
  void start();
  void stop();  // heals everything: every member running and not paused
  int faults() const { return faults_; }
  std::vector<std::string> log() const;

 private:
  void loop();
  void note(const std::string& what);
  void partition(int target);
  void replace(int target, const std::string& who);

  std::vector<test::Server*> members_;
  std::function<int()> leader_;
  std::mt19937_64 rng_;
  int election_ms_;
  Partitioner* network_;
  std::atomic<bool> stop_{false};
  std::atomic<int> faults_{0};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> log_;
};

}  // namespace acord::fault
