// RaftCore's proposals: appended where this node leads, forwarded to the
// leader it knows (etcd-io/raft's MsgProp), or held until a leader is known;
// membership changes queued in the leader, one in the log at a time.
#include "core/raft/raft_core.hpp"

namespace acord::raft {

ProposeResult RaftCore::propose(std::string data, EntryType type) {
  std::vector<Entry> entries;
  entries.push_back(Entry{0, 0, type, std::move(data)});
  return propose_entries(std::move(entries));
}

ProposeResult RaftCore::propose_batch(std::vector<std::string> datas) {
  std::vector<Entry> entries;
  entries.reserve(datas.size());
  for (auto& d : datas) entries.push_back(Entry{0, 0, EntryType::normal, std::move(d)});
  return propose_entries(std::move(entries));
}

ProposeResult RaftCore::propose_conf_change(std::string data) { return propose(std::move(data), EntryType::conf_change); }

ProposeResult RaftCore::propose_entries(std::vector<Entry> entries) {
  if (entries.empty()) return ProposeResult::appended;
  if (!proposals_can_go()) {
    if (!waiting_.has_room(entries.size())) return ProposeResult::dropped;
    for (auto& e : entries) waiting_.hold(std::move(e), ticks_);
    return ProposeResult::held;
  }
  if (role_ == Role::leader) return append_proposals(std::move(entries));
  // To the leader in messages of at most max_bytes_per_message of entries
  // (held proposals released together can be many).
  std::size_t i = 0;
  while (i < entries.size()) {
    Message m;
    m.type = Message::Type::propose;
    m.to = leader_;
    m.context = config_.epoch;
    m.index = ++forwards_sent_;
    std::size_t bytes = 0;
    for (; i < entries.size(); ++i) {
      bytes += entries[i].data.size();
      if (!m.entries.empty() && bytes > config_.max_bytes_per_message) break;
      m.entries.push_back(std::move(entries[i]));
    }
    send(std::move(m));
  }
  return ProposeResult::forwarded;
}

ProposeResult RaftCore::append_proposals(std::vector<Entry> entries) {
  bool appended = false;
  for (auto& e : entries) {
    if (changes_membership(e.type)) {
      // §4.1 of the thesis: one change at a time, each a single voter, so any
      // quorum of the old voters overlaps any quorum of the new.
      queued_conf_changes_.push_back(std::move(e.data));
      continue;
    }
    append_own(e.type, std::move(e.data));
    appended = true;
  }
  if (append_queued_conf_change() || appended) broadcast_append();
  // Queued: no entry of these went in, and a change still waits its turn.
  return appended || queued_conf_changes_.empty() ? ProposeResult::appended : ProposeResult::queued;
}

bool RaftCore::append_queued_conf_change() {
  if (queued_conf_changes_.empty() || pending_conf_index_ > config_.voters_index) return false;
  // Nor before this leader committed an entry of its own term (the fix to
  // single-server changes Ongaro posted to raft-dev in 2015): a change an
  // earlier leader left uncommitted in some logs could otherwise win an
  // election later on a membership that never had a quorum of ours.
  if (term_at(commit_index()) != term_) return false;
  // Not while handing over either: a new entry would leave the transferee's
  // log behind ours, and the others would refuse it their votes.
  if (transferee_ != 0) return false;
  append_own(EntryType::conf_change, std::move(queued_conf_changes_.front()));
  queued_conf_changes_.pop_front();
  pending_conf_index_ = last_index();
  return true;
}

void RaftCore::release_waiting() {
  if (waiting_.has_entries() && proposals_can_go()) propose_entries(waiting_.take_entries());
  if (waiting_.has_reads() && leader_ != 0) read_index_batch(waiting_.take_reads());
}

}  // namespace acord::raft
