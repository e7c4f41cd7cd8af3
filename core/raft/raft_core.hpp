#pragma once
// Raft as a deterministic state machine, shaped like etcd-io/raft's RawNode:
// ticks, proposals and messages go in; Ready (state to persist, messages to
// send, entries to apply, reads to serve) comes out. No clock, no I/O, no
// threads: a test or a simulator drives it step by step, and the same inputs
// give the same outputs.
//
// Implemented: leader election with randomized timeouts (§5.2), PreVote and
// CheckQuorum (so a member cut off and back does not depose a healthy leader),
// log replication with a bound on messages in flight per follower (§5.3),
// commitment by quorum of entries of the leader's own term only (§5.4.2),
// ReadIndex for linearizable reads (§6.4 of Ongaro's thesis), and membership
// changes one voter at a time (§4.1 of the thesis) as etcd-io/raft makes them:
// a change takes effect when the application applies its entry and calls
// apply_conf_change, and a leader has at most one change that is not applied
// (the next waits in its queue). Proposals may be made on any member: a
// follower forwards them to the leader, and without a leader they wait.
//
// Where it lives: raft_core.cpp (roles, elections, replication, stepping
// messages), raft_proposals.cpp, raft_reads.cpp, raft_ready.cpp (the Ready
// face); beside it the log (raft_log), each follower's progress (progress),
// majorities (quorum), the ReadIndex queue (read_queue), what waits for a
// leader (leader_wait) and the terms of dropped entries (term_history).
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include <optional>

#include "core/raft/leader_wait.hpp"
#include "core/raft/progress.hpp"
#include "core/raft/quorum.hpp"
#include "core/raft/raft_log.hpp"
#include "core/raft/raft_types.hpp"
#include "core/raft/read_queue.hpp"

namespace acord::raft {

struct Config {
  NodeId id = 0;
  // Who votes, as of the last membership entry applied (`voters_index`,
  // below). A member that joins a running cluster is not among them: it
  // follows whoever leads and never campaigns until it applies a membership
  // that names it.
  std::vector<NodeId> voters;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  std::uint64_t seed = 0;  // for the randomized election timeout
  bool pre_vote = true;
  bool check_quorum = true;
  std::size_t max_inflight_messages = 64;     // appends in flight per follower
  std::size_t max_entries_per_message = 256;  // entries in one append
  // Entry bytes in one append or forward, though always at least one entry
  // (etcd-io/raft's MaxSizePerMsg), so a peer frame stays within its limit.
  std::size_t max_bytes_per_message = 1 << 20;
  Index voters_index = 0;  // the index of the entry (or snapshot) `voters` come from
  // Proposals and reads that wait for a leader: how many entries at most, and
  // for how many ticks (the application's request timeout).
  std::size_t max_waiting_entries = 5000;
  std::uint64_t max_wait_ticks = 70;
  // This start of the member, higher at each start (its forwarded proposals
  // are numbered within it).
  std::uint64_t epoch = 0;
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

enum class ProposeResult {
  appended,   // this node leads: in its log, at last_index()
  forwarded,  // sent to the leader this node knows
  // No leader is known, or leadership is being handed over: waits here and
  // goes once a leader is known (or is dropped after max_wait_ticks).
  held,
  // A membership change while another is not yet applied: waits in the
  // leader's queue, and is appended once that one is (one at a time).
  queued,
  dropped,  // too many entries wait already (max_waiting_entries)
};

class RaftCore {
 public:
  RaftCore(Config config, Restored restored);

  // One logical clock tick: drives elections and heartbeats.
  void tick();
  // Starts an election now (a pre-vote first, when enabled).
  void campaign();
  // A new entry: appended if this node leads (its index is last_index()),
  // forwarded to the leader otherwise, held while no leader is known.
  ProposeResult propose(std::string data, EntryType type = EntryType::normal);
  // Several normal entries at once, appended in order and sent to each
  // follower in one append (or forwarded in one message).
  ProposeResult propose_batch(std::vector<std::string> datas);
  // An entry that adds, removes or updates one member (the data is the
  // application's). Queued while an earlier change is not yet applied; a new
  // leader counts every change in its log beyond the applied one.
  ProposeResult propose_conf_change(std::string data);
  // A membership change is in this leader's log and not applied, or queued.
  bool membership_change_pending() const {
    return pending_conf_index_ > config_.voters_index || !queued_conf_changes_.empty();
  }
  // Entries waiting for a leader here.
  std::size_t waiting_entries() const { return waiting_.entries(); }
  // The application applied the membership entry at `index` (or installed a
  // snapshot at `index`); `voters` is who votes from now on. A leader starts
  // or stops replicating to the members added or removed and commits by the
  // new quorum; a leader that is no longer a voter steps down; a node that is
  // not a voter never campaigns. An older index than the last one is ignored.
  void apply_conf_change(Index index, std::vector<NodeId> voters);
  // A message from a peer. Any peer is heard (a member joining the cluster
  // must follow the leader before it knows the membership); only voters'
  // votes and acknowledgements count.
  void step(const Message& m);
  // Asks for a linearizable read point: a ReadState with this context comes
  // out of a later Ready once a quorum confirmed the leader still leads. A
  // follower asks the leader (and hears nothing if leadership changes first:
  // its caller's deadline covers that); without a leader the read waits for
  // one, as a proposal does.
  void read_index(std::uint64_t context);
  // Several read points at once, confirmed by a single heartbeat round.
  void read_index_batch(const std::vector<std::uint64_t>& contexts);

  bool has_ready() const;
  Ready ready();
  // The node persisted, sent and applied everything in `rd`.
  void advance(const Ready& rd);
  // Forget entries up to `index` (they are applied and durable elsewhere).
  void trim(Index index);

  // Follower: the node installed a snapshot of the state machine at `index`
  // (whose entry had `term`) and made it durable; the log restarts after it.
  // Returns false (and changes nothing but answering the leader with its
  // commit index) if the snapshot is not newer than what this node committed.
  bool restore_snapshot(Index index, Term term, NodeId from);
  // Leader: hands leadership to `to` once its log is caught up; proposals are
  // refused meanwhile. Gives up after an election timeout. False if this node
  // does not lead or `to` is not another voter.
  bool transfer_leadership(NodeId to);
  NodeId transferee() const { return transferee_; }
  // Leader: the other voter whose log matches the most of ours (0 if there is
  // none): where a stopping leader hands over, so that its successor has the
  // least to catch up before it can take the transfer.
  NodeId most_caught_up_voter() const;

  const std::vector<NodeId>& voters() const { return config_.voters; }
  // Whether this node is among the voters: only then may it campaign.
  bool promotable() const { return is_voter(config_.id); }

  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId leader() const { return leader_; }
  NodeId id() const { return config_.id; }
  NodeId vote() const { return vote_; }
  // Votes needed to win an election or commit an entry.
  std::size_t quorum_size() const { return quorum(); }
  Index last_index() const { return log_.last_index(); }
  Term last_term() const { return log_.last_term(); }
  Index first_index() const { return log_.first_index(); }
  Index commit_index() const { return log_.committed(); }
  Index applied_index() const { return log_.applied(); }
  Index stable_index() const { return log_.stable(); }
  // The term of entry `i`; 0 past the last entry or below what this node's
  // log ever held since it started (or installed a snapshot).
  Term term_at(Index i) const { return log_.term_or_zero(i); }
  // The same, with nothing for an index whose term is not known (compacted).
  std::optional<Term> known_term(Index i) const { return log_.term(i); }
  // Terms below `index` will not be asked for again (the disk log starts there).
  void forget_terms_below(Index index) { log_.forget_terms_below(index); }
  // The oldest entry whose term is known: where the disk log starts, less one.
  Index term_floor() const { return log_.term_floor(); }
  // One line about this node's state and, when it leads, each follower's
  // progress (for logs and failing tests).
  std::string describe() const;
  // Entries first_index()..last_index() held in memory.
  const std::vector<Entry>& entries() const { return log_.entries(); }

 private:
  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate(bool forced = false);
  void become_leader();
  void reset(Term term);
  void reset_election_timeout();
  Majority majority() const { return Majority(config_.voters); }
  std::size_t quorum() const { return majority().needed(); }
  bool is_voter(NodeId id) const;

  void send(Message m);
  void send_timeout_now(NodeId to);
  void request_votes(Message::Type type, Term term, std::uint64_t context);
  // Vote requests with this context come from a campaign the leader asked for.
  static constexpr std::uint64_t kForcedCampaign = 1;
  void send_append(NodeId to);
  void broadcast_append();
  void broadcast_heartbeat(std::uint64_t context);
  bool maybe_commit();
  void append_own(EntryType type, std::string data);  // a leader's new entry, at its term

  void tick_role();
  void step_message(const Message& m);
  // Proposals (this node's or forwarded to it): appended, forwarded or held.
  ProposeResult propose_entries(std::vector<Entry> entries);
  ProposeResult append_proposals(std::vector<Entry> entries);
  bool append_queued_conf_change();  // true: the next change is in the log
  // What waited for a leader goes, once one can take it.
  void release_waiting();
  // Proposals can go somewhere now: this node leads and is not handing over,
  // or it follows a leader it knows.
  bool proposals_can_go() const { return role_ == Role::leader ? transferee_ == 0 : leader_ != 0; }
  void step_leader(const Message& m);
  void step_candidate(const Message& m);
  void step_follower(const Message& m);
  void handle_vote_request(const Message& m);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_append_response(const Message& m);
  void ask_read_points(const std::vector<ReadAsk>& asks);
  void answer_read(const ReadAsk& ask, Index index);
  void release_confirmed_reads();
  // A membership entry committed here and not yet applied (the application
  // has not handed over the voters it makes).
  bool conf_change_unapplied() const;

  Config config_;
  Role role_ = Role::follower;
  Term term_ = 0;
  NodeId vote_ = 0;
  NodeId leader_ = 0;
  RaftLog log_;
  HardState last_hard_state_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int election_timeout_ = 0;
  std::uint64_t rng_;
  std::map<NodeId, Progress> progress_;   // leader: every voter but this node
  std::map<NodeId, bool> votes_;          // candidate: who answered, and how
  std::vector<Message> outbox_;
  ReadQueue reads_;                       // leader: read points awaiting a quorum
  std::vector<ReadState> read_states_;
  std::uint64_t ticks_ = 0;
  // Leader: the index of the newest membership entry in its log; a new change
  // waits until the voters as of that entry are applied.
  Index pending_conf_index_ = 0;
  std::deque<std::string> queued_conf_changes_;  // leader: changes waiting their turn
  LeaderWait waiting_;                           // proposals and reads waiting for a leader
  std::uint64_t forwards_sent_ = 0;              // propose messages this start
  // The newest propose message taken from each sender: (epoch, number).
  std::map<NodeId, std::pair<std::uint64_t, std::uint64_t>> forwards_taken_;
  NodeId transferee_ = 0;  // leader: where leadership is being handed
  int transfer_elapsed_ = 0;
  bool forced_campaign_ = false;  // candidate: started by timeout_now (ignores leases)
};

}  // namespace acord::raft
