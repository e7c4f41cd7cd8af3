#include "core/raft/quorum.hpp"

#include <algorithm>

namespace acord::raft {

bool Majority::reached(const std::function<bool(NodeId)>& yes) const {
  return static_cast<std::size_t>(std::count_if(voters_.begin(), voters_.end(), yes)) >= needed();
}

VoteResult Majority::vote_result(const std::map<NodeId, bool>& votes) const {
  std::size_t granted = 0, refused = 0;
  for (NodeId v : voters_) {
    auto it = votes.find(v);
    if (it == votes.end()) continue;
    (it->second ? granted : refused)++;
  }
  if (granted >= needed()) return VoteResult::won;
  if (refused >= needed()) return VoteResult::lost;
  return VoteResult::pending;
}

Index Majority::committed_index(const std::function<Index(NodeId)>& match) const {
  if (voters_.empty()) return 0;
  std::vector<Index> matches;
  matches.reserve(voters_.size());
  for (NodeId v : voters_) matches.push_back(match(v));
  // The needed()-th highest: that many voters hold it or more.
  std::nth_element(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(needed() - 1), matches.end(),
                   std::greater<>());
  return matches[needed() - 1];
}

}  // namespace acord::raft
