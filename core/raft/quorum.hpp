#pragma once
// Majorities of one voter set, counted in one place (etcd-io/raft's
// quorum/majority.go): an election's outcome, the commit index, a ReadIndex
// round's confirmation and CheckQuorum all ask this, and only voters count.
#include <cstddef>
#include <functional>
#include <map>
#include <vector>

#include "core/raft/raft_types.hpp"

namespace acord::raft {

enum class VoteResult { pending, won, lost };

class Majority {
 public:
  explicit Majority(const std::vector<NodeId>& voters) : voters_(voters) {}
  // Voters that make a majority.
  std::size_t needed() const { return voters_.size() / 2 + 1; }
  // Whether the voters for which `yes` holds are a majority.
  bool reached(const std::function<bool(NodeId)>& yes) const;
  // An election: the answers so far, by member (true: granted). Won once a
  // majority granted, lost once a majority refused.
  VoteResult vote_result(const std::map<NodeId, bool>& votes) const;
  // The highest index a majority of voters hold, given each voter's.
  Index committed_index(const std::function<Index(NodeId)>& match) const;

 private:
  const std::vector<NodeId>& voters_;
};

}  // namespace acord::raft
