#pragma once
// A seeded simulated cluster of pure Raft cores: a network that drops,
// delays, duplicates and reorders messages, partitions (symmetric and one-way),
// crashes that lose everything not yet durable, and restarts. Raft's safety
// properties are checked after every step; a failing seed replays exactly.
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/raft/raft_core.hpp"

namespace acord::raft::sim {

struct Faults {
  double drop = 0.05;         // chance a message is lost
  double duplicate = 0.02;    // chance a message is delivered twice
  int max_delay_ticks = 3;    // delivery delay is uniform in [0, max]
  double crash = 0.002;       // per node per step
  double restart = 0.05;      // per down node per step
  double partition = 0.005;   // per step: a new random partition
  double heal = 0.02;         // per step: the partition heals
  // Per step: a client proposes to a random member (a follower forwards it
  // to the leader; without a leader it waits in the core).
  double propose = 0.3;
  double trim = 0.05;         // per node per step: trim the log behind the applied index
  // Per step: the leader proposes adding a spare member or removing one
  // (membership stays between 3 and 5 voters; removed members keep running).
  double reconfigure = 0.0;
  int spares = 0;             // members that exist but do not vote at first
  double read = 0.2;          // per step: a client asks a random member for a read index (ReadIndex)
  // Per up node per step: it stops (no ticks, no messages: a process paused
  // or starved) for 5 to 40 steps. Its clock stops with it, so a leader comes
  // back believing it still leads, and is asked for a read at once.
  double pause = 0.002;
};

class Cluster {
 public:
  // `members` voters (ids 1..members) and faults.spares more nodes (the
  // next ids) running without a vote, as members joining a cluster do.
  Cluster(int members, std::uint64_t seed, Faults faults);

  // One simulated step: deliver due messages, tick, process every Ready,
  // inject faults. Throws std::logic_error naming the violated property.
  void step();
  // Removes every fault: all up, network whole and lossless.
  void heal_all();
  // The member every up member agrees leads in the highest term, or 0.
  NodeId stable_leader() const;
  // Proposes on the current leader; returns the entry index, or 0.
  Index propose(const std::string& data);
  // Proposals committed, by how the member they were made on took them:
  // appended (it led), forwarded to the leader, or held for a leader.
  std::uint64_t committed_proposals(ProposeResult how) const {
    auto it = committed_by_path_.find(how);
    return it == committed_by_path_.end() ? 0 : it->second;
  }
  Index committed_on_quorum() const;
  // Membership changes applied by some member, and the voters now.
  std::size_t membership_changes() const { return conf_history_.size() - 1; }
  std::vector<NodeId> voters_at(Index index) const;
  std::size_t applied_count() const { return committed_.size(); }
  std::uint64_t trace_hash() const { return trace_hash_; }
  std::uint64_t steps() const { return now_; }
  std::uint64_t snapshots_installed() const { return snapshots_; }
  // Read points served, and those of them asked through a follower.
  std::uint64_t reads_served() const { return reads_served_; }
  std::uint64_t reads_served_by_followers() const { return reads_forwarded_; }
  std::string dump() const;
  const std::vector<NodeId>& ids() const { return ids_; }

 private:
  struct Node {
    NodeId id = 0;
    std::unique_ptr<RaftCore> core;  // null while down
    HardState hard_state;            // durable
    std::vector<Entry> log;          // durable, from snap_index + 1
    Index snap_index = 0;            // durable: the state machine as of this entry (a trim or a snapshot)
    Term snap_term = 0;
    Index applied = 0;               // volatile: re-applied from snap_index after a restart
    std::vector<NodeId> voters;      // volatile: as of `applied`
    std::uint64_t paused_until = 0;  // a step: paused (not ticking, hearing nothing) before it
    std::uint64_t starts = 0;        // durable: the node's start epoch
  };
  struct InFlight {
    std::uint64_t deliver_at;
    std::uint64_t seq;
    Message m;  // a snapshot travels as type snapshot with its index and term
  };

  void start(Node& n);
  void process_ready(Node& n);
  void deliver();
  void inject_faults();
  void maybe_trim(Node& n);
  void install_snapshot(Node& n, const Message& m);
  void check_invariants();
  void maybe_reconfigure();
  void propose_anywhere();
  void check_committed_once(const Entry& e);
  void maybe_read();
  void ask_read(Node& n);
  void check_read(const Node& n, const ReadState& rs);
  void apply_membership(Node& n, const Entry& e);
  void record(std::uint64_t x);
  bool blocked(NodeId from, NodeId to) const;
  Node& node(NodeId id);
  // Up and not paused: it ticks, hears its messages and takes requests.
  bool running(const Node& n) const { return n.core && n.paused_until <= now_; }

  std::vector<NodeId> ids_;
  std::map<NodeId, Node> nodes_;
  std::mt19937_64 rng_;
  Faults faults_;
  std::uint64_t now_ = 0, seq_ = 0, proposals_ = 0, snapshots_ = 0;
  // Reads asked and not yet served, by context: who asked, whether it led
  // then, and the highest index any member had applied (a client may have
  // heard of that write): the read point must not be below it.
  struct PendingRead {
    NodeId node = 0;
    bool asked_leader = false;
    Index must_reach = 0;
  };
  std::map<std::uint64_t, PendingRead> reads_;
  std::uint64_t next_read_ = 1, reads_served_ = 0, reads_forwarded_ = 0;
  std::vector<InFlight> network_;
  std::vector<std::pair<NodeId, NodeId>> cut_;  // one-way links that drop everything
  struct Committed {
    Term term = 0;           // the entry's term
    std::string data;
    Term seen_in_term = 0;   // the applier's term then: at or after the term it committed in
  };
  std::map<Index, Committed> committed_;  // what any member applied, by index
  // The voters after each membership change any member applied, by index
  // (index 0: the initial voters).
  std::map<Index, std::vector<NodeId>> conf_history_;
  std::map<Term, NodeId> leaders_;                             // who led each term
  // Every proposal's data is unique: where it committed, and how it was taken.
  std::map<std::string, Index> committed_at_;
  std::map<std::string, ProposeResult> proposed_;
  std::map<ProposeResult, std::uint64_t> committed_by_path_;
  std::uint64_t conf_proposals_ = 0;
  std::uint64_t trace_hash_ = 1469598103934665603ULL;
};

}  // namespace acord::raft::sim
