#pragma once
// The values the Raft core exchanges with the world: log entries, the state that
// must be durable before the node speaks (term, vote, commit), and messages.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace acord::raft {

using NodeId = std::uint64_t;
using Index = std::uint64_t;
using Term = std::uint64_t;

enum class EntryType : std::uint8_t {
  normal = 0,  // data is a proposal (protocol/proposal.hpp); empty for a leader's no-op
  membership = 1,  // data is a whole membership record (protocol::Membership): a new cluster's first entry
  // data is a proposal (protocol/proposal.hpp) that adds, removes or updates
  // one member: the application applies it and hands the core the voters that
  // result (RaftCore::apply_conf_change).
  conf_change = 2,
};

// Entries that change who votes: at most one is in flight at a time.
inline bool changes_membership(EntryType t) { return t == EntryType::membership || t == EntryType::conf_change; }

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::normal;
  std::string data;
  friend bool operator==(const Entry& a, const Entry& b) {
    return a.term == b.term && a.index == b.index && a.type == b.type && a.data == b.data;
  }
};

// Raft §5.1/§5.2: current term and vote must survive a crash; commit is kept
// so a restart re-applies no more than it must.
struct HardState {
  Term term = 0;
  NodeId vote = 0;
  Index commit = 0;
  friend bool operator==(const HardState& a, const HardState& b) {
    return a.term == b.term && a.vote == b.vote && a.commit == b.commit;
  }
  friend bool operator!=(const HardState& a, const HardState& b) { return !(a == b); }
};

enum class Role { follower, pre_candidate, candidate, leader };

// A message between members (Raft §5; PreVote and CheckQuorum as in etcd-io/raft).
struct Message {
  enum class Type : std::uint8_t {
    vote,                // RequestVote: index/log_term describe the candidate's last entry
    vote_response,       // reject = vote refused
    append,              // AppendEntries: entries follow (index, log_term); commit = leader's commit
    append_response,     // index = last matching index; on reject, reject_hint = follower's last index
    heartbeat,           // commit = what the follower may commit; context = a ReadIndex round, or 0
    heartbeat_response,  // context echoed
    pre_vote,            // like vote, for term+1, without anyone changing term (§9.6 of Ongaro's thesis)
    pre_vote_response,
    // The follower's log is behind what the leader still holds: it needs the
    // state machine as of some applied index. index/log_term: the oldest point
    // that would do; the node sends a snapshot at or after it (outside Raft's
    // messages, in chunks) and the follower answers with an append_response.
    snapshot,
    // Leadership transfer (§3.10 of Ongaro's thesis): the leader tells a
    // caught-up follower to start an election now.
    timeout_now,
    // ReadIndex asked through a follower (etcd-io/raft's MsgReadIndex): the
    // leader confirms it still leads, as for its own reads, and answers with
    // read_index_response (index = the read point). context: the follower's.
    read_index,
    read_index_response,
    // Proposals a follower forwards to the leader it knows (etcd-io/raft's
    // MsgProp): entries carry only type and data. Outside terms: a leader
    // takes them whatever term the sender is in; anyone else passes them on
    // to its leader, or holds them until it knows one. Proposals are not
    // idempotent, so each such message is numbered: context is the sender's
    // start epoch, index its count of them since; a receiver takes each at
    // most once (a duplicate, or one overtaken by a later one, is dropped).
    propose,
  };
  Type type = Type::append;
  NodeId from = 0, to = 0;
  Term term = 0;
  Term log_term = 0;
  Index index = 0;
  Index commit = 0;
  bool reject = false;
  Index reject_hint = 0;
  std::uint64_t context = 0;
  std::vector<Entry> entries;
};

// A linearizable read may be served once the applied index reaches `index`.
struct ReadState {
  std::uint64_t context = 0;  // the caller's id for the read
  Index index = 0;
};

// What the node must do next, in this order: persist hard_state and entries
// (one durable write), then send messages, then apply committed entries, then
// call advance() with this Ready. Committed entries are always already durable
// on this node, so applying them may overlap the next write.
struct Ready {
  std::optional<HardState> hard_state;
  std::vector<Entry> entries;    // to append to the durable log
  std::vector<Message> messages;
  std::vector<Entry> committed;  // to apply, in order
  std::vector<ReadState> read_states;
  bool empty() const {
    return !hard_state && entries.empty() && messages.empty() && committed.empty() && read_states.empty();
  }
};

}  // namespace acord::raft
