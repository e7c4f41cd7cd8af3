// RaftCore's linearizable reads (ReadIndex, §6.4 of Ongaro's thesis): read
// points a leader confirms with a heartbeat round, for itself and for the
// followers that ask it (etcd-io/raft's MsgReadIndex).
#include "core/raft/raft_core.hpp"

namespace acord::raft {

void RaftCore::read_index(std::uint64_t context) { read_index_batch({context}); }

void RaftCore::read_index_batch(const std::vector<std::uint64_t>& contexts) {
  if (role_ != Role::leader) {
    if (leader_ == 0) {
      for (auto context : contexts) waiting_.hold_read(context, ticks_);
      return;
    }
    // One message for the batch: its entries carry the contexts (as their
    // indexes), as etcd-io/raft's MsgReadIndex carries its one in an entry.
    Message m;
    m.type = Message::Type::read_index;
    m.to = leader_;
    for (auto context : contexts) m.entries.push_back(Entry{0, context, EntryType::normal, {}});
    send(std::move(m));
    return;
  }
  std::vector<ReadAsk> asks;
  for (auto context : contexts) asks.push_back(ReadAsk{context, config_.id});
  ask_read_points(asks);
}

// Leader: read points for this node's reads and its followers'. Those asked
// before the next Ready share one heartbeat round (sent by ready()).
void RaftCore::ask_read_points(const std::vector<ReadAsk>& asks) {
  for (const auto& ask : asks) {
    if (term_at(commit_index()) != term_) {
      // Until an entry of this term commits, this leader's commit index may be
      // behind what earlier leaders committed.
      reads_.wait_for_commit(ask);
    } else if (quorum() == 1 && promotable()) {
      answer_read(ask, commit_index());
    } else {
      reads_.add(ask, commit_index(), config_.id);
    }
  }
}

void RaftCore::answer_read(const ReadAsk& ask, Index index) {
  if (ask.from == config_.id) {
    read_states_.push_back(ReadState{ask.context, index});
    return;
  }
  Message m;
  m.type = Message::Type::read_index_response;
  m.to = ask.from;
  m.context = ask.context;
  m.index = index;
  send(std::move(m));
}

void RaftCore::release_confirmed_reads() {
  for (const auto& point : reads_.take_confirmed(majority())) answer_read(point.ask, point.index);
}

}  // namespace acord::raft
