// RaftCore's face to the node that drives it (etcd-io/raft's RawNode): what
// is ready to persist, send and apply, and what the node did with it.
#include "core/raft/raft_core.hpp"

namespace acord::raft {

bool RaftCore::has_ready() const {
  return log_.has_unstable() || log_.has_to_apply() || !outbox_.empty() || !read_states_.empty() ||
         reads_.round_open() || HardState{term_, vote_, commit_index()} != last_hard_state_;
}

Ready RaftCore::ready() {
  if (reads_.round_open()) broadcast_heartbeat(reads_.open_round());
  Ready rd;
  HardState hs{term_, vote_, commit_index()};
  if (hs != last_hard_state_) rd.hard_state = hs;
  rd.entries = log_.unstable_entries();
  rd.committed = log_.entries_to_apply();  // only entries already durable here
  rd.messages = std::move(outbox_);
  outbox_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  return rd;
}

void RaftCore::advance(const Ready& rd) {
  if (rd.hard_state) last_hard_state_ = *rd.hard_state;
  for (auto it = rd.entries.rbegin(); it != rd.entries.rend(); ++it) {
    if (log_.stable_to(it->index, it->term)) break;
  }
  if (!rd.committed.empty()) log_.applied_to(rd.committed.back().index);
  if (maybe_commit()) broadcast_append();
}

}  // namespace acord::raft
