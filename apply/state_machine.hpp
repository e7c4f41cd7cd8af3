#pragma once
// The replicated state machine: what every member does with each committed
// entry, in log order, and what it answers from the state that results. It
// owns the MVCC store, the lease table, the KV semantics over them, the
// membership, the NOSPACE alarm and the cluster version, and hands out what
// must be made durable (a storage::WriteSet) and what watchers must hear (the
// events). No CAF, no clock (the caller passes its time in), no I/O but the
// MVCC store's reads of superseded values through the storage seam: a test
// drives it entry by entry. The apply actor (actors/apply_actor) wraps it.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "apply/history.hpp"
#include "apply/outcome.hpp"
#include "core/kv/kv_applier.hpp"
#include "core/lease/lease_table.hpp"
#include "core/limits.hpp"
#include "core/mvcc/mvcc_store.hpp"
#include "core/raft/raft_types.hpp"
#include "protocol/proposal.hpp"
#include "storage/etcd_snapshot.hpp"
#include "storage/snapshot.hpp"
#include "storage/store.hpp"

namespace acord::apply {

struct Config {
  storage::Identity identity;
  std::int64_t min_lease_ttl_s = 1;
  int election_timeout_ms = 1000;  // a new leader's leases get this much extra time
  std::int64_t quota_bytes = 0;
  const mvcc::ValueSource* values = nullptr;  // where values that left memory are read back
  std::int64_t recent_values_revisions = limits::mvcc_recent_values_revisions;  // values kept in memory
};

// What applying one committed entry did.
struct Applied {
  bool fresh = false;       // false: applied before a restart, skipped now
  bool membership = false;  // who votes may have changed (Raft and the transport must hear)
  // The proposal the entry carried (who proposed it and its id): how the
  // request waiting on it is found. Nothing for a no-op or a membership entry.
  std::optional<protocol::ProposalOrigin> proposal;
  OutcomePtr outcome;  // the proposal's result; null when it did not decode
};

class StateMachine {
 public:
  // From what the data directory held (or a new member's empty state).
  StateMachine(Config config, storage::ApplyState restored, std::vector<mvcc::Record> records,
               const std::vector<storage::LeaseRecord>& leases, lease::Millis now);

  // --- the log -------------------------------------------------------------
  Applied apply(const raft::Entry& e, lease::Millis now);
  // The node's current term, for response headers. True if it rose.
  bool observe_term(raft::Term term);
  // The watchers' events of what was applied since the last call.
  std::vector<mvcc::Event> take_events() { return applier_.take_events(); }
  // What was applied since the last call, as one write for the data
  // directory (MVCC records, lease changes, the applied state).
  storage::WriteSet take_changes();
  // The data directory holds the records up to `revision`, as of the install
  // count `installs` (an answer from before a snapshot install is stale): the
  // store may drop the superseded values it holds up to there.
  void values_durable(std::uint64_t installs, std::int64_t revision);
  std::uint64_t installs() const { return installs_; }

  // --- snapshots -----------------------------------------------------------
  // The whole state as of the applied index, for a member behind the log.
  storage::Snapshot snapshot() const;
  // The same as etcd's snapshot file wants it (etcdctl snapshot save).
  storage::EtcdSnapshotInput etcd_snapshot() const;
  // Replaces the state with a leader's snapshot at `index` of `term`. Returns
  // the write that makes it durable (the log restarts after it), or nothing
  // if the snapshot is not newer than what was applied.
  std::optional<storage::WriteSet> install(storage::Snapshot snap, raft::Index index, raft::Term term,
                                           lease::Millis now);

  // --- reads and queries (not through the log) -------------------------------
  // A Range, or a Txn that writes nothing. Const: client threads call it
  // side by side (see actors/shared_machine.hpp).
  OutcomePtr read(const google::protobuf::Message& request) const;
  // The same into the caller's response (of the request's type).
  ApiError read(const google::protobuf::Message& request, google::protobuf::Message& response) const;
  History history(const std::string& key, const std::string& end, std::int64_t from, std::size_t max_events) const;
  OutcomePtr hash_kv(std::int64_t revision) const;
  // The leader's lease clock: a keep-alive, a time-to-live, the list.
  OutcomePtr lease_keep_alive(lease::LeaseId id, lease::Millis now);
  OutcomePtr lease_time_to_live(lease::LeaseId id, bool with_keys, lease::Millis now) const;
  OutcomePtr lease_leases() const;
  std::vector<lease::LeaseId> expired_leases(lease::Millis now) const;
  // This member leads (it keeps the leases' expiry: each gets its TTL plus an
  // election timeout, so a failover never expires one early) or not.
  void lead(bool leads, lease::Millis now);
  bool leads() const { return leases_.primary(); }

  const storage::ApplyState& state() const { return state_; }
  const storage::Identity& identity() const { return config_.identity; }
  raft::Term term() const { return term_; }
  std::int64_t revision() const { return store_.current_revision(); }
  std::int64_t size_bytes() const { return store_.size_bytes(); }
  bool no_space() const { return applier_.no_space(); }

 private:
  OutcomePtr apply_proposal(const protocol::Proposal& p, lease::Millis now);
  OutcomePtr apply_member_change(const std::string& payload);
  OutcomePtr apply_alarm(const std::string& payload);
  void fill_header(google::protobuf::Message& response) const;
  OutcomePtr answered(std::shared_ptr<google::protobuf::Message> response) const;  // its header filled
  void restore_leases(const std::vector<storage::LeaseRecord>& records, lease::Millis now);
  storage::ApplyState current_state() const;

  Config config_;
  storage::ApplyState state_;
  mvcc::MvccStore store_;
  lease::LeaseTable leases_;
  kv::KvApplier applier_;
  raft::Term term_ = 0;
  std::uint64_t installs_ = 0;
};

}  // namespace acord::apply
