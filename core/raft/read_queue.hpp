#pragma once
// A leader's linearizable read points waiting for a quorum to confirm it still
// leads (ReadIndex, §6.4 of Ongaro's thesis; etcd-io/raft's read_only.go). The
// reads asked before the next Ready share one heartbeat round, numbered; the
// acknowledgements of a round confirm its reads and every read before them.
#include <cstdint>
#include <vector>

#include "core/raft/quorum.hpp"
#include "core/raft/raft_types.hpp"

namespace acord::raft {

// A read point asked for: by this node or by a follower (answered with a
// read_index_response), with the asker's context.
struct ReadAsk {
  std::uint64_t context = 0;
  NodeId from = 0;
};

struct ReadPoint {
  ReadAsk ask;
  Index index = 0;
};

class ReadQueue {
 public:
  // A read point at `index` (the commit index when asked), confirmed by the
  // round that goes out next; `self` counts as its first acknowledgement.
  void add(const ReadAsk& ask, Index index, NodeId self);
  // Asked before this leader committed an entry of its term (its commit index
  // may be behind what earlier leaders committed): set aside until then.
  void wait_for_commit(const ReadAsk& ask) { before_commit_.push_back(ask); }
  std::vector<ReadAsk> take_waiting_for_commit();

  // A round has reads and has not gone out yet.
  bool round_open() const { return open_; }
  std::uint64_t open_round() const { return rounds_; }
  // The round the next heartbeat carries: the newest with reads waiting, or 0.
  std::uint64_t latest_round() const { return pending_.empty() ? 0 : pending_.back().round; }
  void round_sent(std::uint64_t round);
  // `from` answered the heartbeat of `round`.
  void ack(NodeId from, std::uint64_t round);
  // The read points a majority confirmed, oldest first, and no longer waiting.
  std::vector<ReadPoint> take_confirmed(const Majority& majority);
  // Leadership ended: nothing waits (rounds keep counting up).
  void clear();

 private:
  struct Pending {
    ReadPoint point;
    std::uint64_t round = 0;
    std::vector<NodeId> acks;
  };
  std::vector<Pending> pending_;
  std::vector<ReadAsk> before_commit_;
  std::uint64_t rounds_ = 0;
  bool open_ = false;  // reads wait for round rounds_ to go out
};

}  // namespace acord::raft
