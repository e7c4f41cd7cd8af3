#include "core/raft/leader_wait.hpp"

namespace acord::raft {

void LeaderWait::expire(std::uint64_t now) {
  // Oldest first: both queues are in the order things arrived.
  while (!held_.empty() && now >= held_.front().since + max_ticks_) held_.pop_front();
  while (!reads_.empty() && now >= reads_.front().since + max_ticks_) reads_.pop_front();
}

std::vector<Entry> LeaderWait::take_entries() {
  std::vector<Entry> out;
  out.reserve(held_.size());
  for (auto& h : held_) out.push_back(std::move(h.entry));
  held_.clear();
  return out;
}

std::vector<std::uint64_t> LeaderWait::take_reads() {
  std::vector<std::uint64_t> out;
  for (const auto& r : reads_) out.push_back(r.context);
  reads_.clear();
  return out;
}

}  // namespace acord::raft
