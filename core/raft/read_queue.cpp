#include "core/raft/read_queue.hpp"

#include <algorithm>

namespace acord::raft {

void ReadQueue::add(const ReadAsk& ask, Index index, NodeId self) {
  if (!open_) ++rounds_;
  open_ = true;
  pending_.push_back(Pending{ReadPoint{ask, index}, rounds_, {self}});
}

std::vector<ReadAsk> ReadQueue::take_waiting_for_commit() {
  auto asks = std::move(before_commit_);
  before_commit_.clear();
  return asks;
}

void ReadQueue::round_sent(std::uint64_t round) {
  if (round == rounds_) open_ = false;
}

void ReadQueue::ack(NodeId from, std::uint64_t round) {
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.round == round; });
  if (it == pending_.end()) return;
  if (std::find(it->acks.begin(), it->acks.end(), from) == it->acks.end()) it->acks.push_back(from);
}

std::vector<ReadPoint> ReadQueue::take_confirmed(const Majority& majority) {
  // A majority confirmed leadership after a read arrived, so for every read
  // before it too: the newest confirmed one releases them all.
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    const auto& acks = it->acks;
    if (!majority.reached([&](NodeId id) { return std::find(acks.begin(), acks.end(), id) != acks.end(); })) continue;
    const auto end = it.base();
    std::vector<ReadPoint> out;
    for (auto p = pending_.begin(); p != end; ++p) out.push_back(p->point);
    pending_.erase(pending_.begin(), end);
    return out;
  }
  return {};
}

void ReadQueue::clear() {
  pending_.clear();
  before_commit_.clear();
  open_ = false;
}

}  // namespace acord::raft
