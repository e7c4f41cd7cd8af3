#pragma once
// Raft as a deterministic state machine, shaped like etcd-io/raft's RawNode:
// ticks, proposals and messages go in; Ready (state to persist, messages to
// send, entries to apply) comes out. No clock, no I/O, no threads: a test (or a
// simulator) drives it step by step, and the same inputs give the same outputs.
//
// This core runs single-member clusters: with one voter, an entry commits as
// soon as it is durable on this node. Peer messages are part of the interface
// (Ready::messages, step()) so that replication plugs in without changing the
// node's loop.
#include <cstdint>
#include <vector>

#include "core/raft/raft_types.hpp"

namespace acord::raft {

struct Config {
  NodeId id = 0;
  std::vector<NodeId> voters;  // including this node
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  std::uint64_t seed = 0;  // for the randomized election timeout
};

// The durable state a node restarts from.
struct Restored {
  HardState hard_state;
  // The stable log: entries first_index .. last; entries before first_index
  // were trimmed (their effects are in the applied state).
  std::vector<Entry> entries;
  Index first_index = 1;
  Term term_before_first = 0;  // term of entry first_index - 1, 0 if none
  Index applied = 0;
};

enum class ProposeResult { ok, not_leader };

class RaftCore {
 public:
  RaftCore(Config config, Restored restored);

  // One logical clock tick: drives elections (and, with peers, heartbeats).
  void tick();
  // Starts an election now (Raft §5.2).
  void campaign();
  // Appends a new entry if this node leads; the entry's index is last_index().
  ProposeResult propose(std::string data, EntryType type = EntryType::normal);
  // A message from a peer. Single-member clusters receive none; a message from
  // a node that is not a voter is ignored.
  void step(const Message& m);

  bool has_ready() const;
  Ready ready();
  // The node persisted and applied everything in `rd`.
  void advance(const Ready& rd);
  // Forget entries up to `index` (they are applied and durable elsewhere).
  void trim(Index index);

  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return leader_; }
  NodeId id() const { return config_.id; }
  Index last_index() const { return first_index_ + log_.size() - 1; }
  Index first_index() const { return first_index_; }
  Index commit_index() const { return commit_; }
  Index applied_index() const { return applied_; }
  Index stable_index() const { return stable_; }
  Term term_at(Index i) const;
  // Entries first_index()..last_index() held in memory.
  const std::vector<Entry>& entries() const { return log_; }

 private:
  void become_follower(Term term, NodeId leader);
  void become_leader();
  void maybe_commit();
  bool is_single_voter() const { return config_.voters.size() == 1 && config_.voters[0] == config_.id; }
  void reset_election_timeout();

  Config config_;
  Role role_ = Role::follower;
  Term term_ = 0;
  NodeId vote_ = 0;
  NodeId leader_ = 0;
  std::vector<Entry> log_;  // entries first_index_ .. last
  Index first_index_ = 1;
  Term term_before_first_ = 0;
  Index stable_ = 0;   // last index known durable
  Index commit_ = 0;
  Index applied_ = 0;  // last index handed out in a Ready
  HardState last_hard_state_;
  int election_elapsed_ = 0;
  int election_timeout_ = 0;
  std::uint64_t rng_;
};

}  // namespace acord::raft
