#pragma once
// The apply actor: moves messages to and from the replicated state machine
// (apply/state_machine): committed entries in log order, with the sessions
// waiting on them answered once their batch's events went to the watch actor;
// the state machine's changes to the storage actor; reads once its applied
// index reaches theirs; lease questions while this member leads; snapshots.
#include <caf/all.hpp>
#include <map>
#include <memory>

#include "actors/messages.hpp"
#include "apply/state_machine.hpp"

namespace acord::actors {

struct ApplyActorArgs {
  storage::Identity identity;
  storage::ApplyState restored;          // what the data directory held
  std::vector<mvcc::Record> records;     // the MVCC records it held
  const mvcc::ValueSource* values = nullptr;  // where superseded values are read back (the data directory)
  std::vector<storage::LeaseRecord> leases;
  std::int64_t min_lease_ttl_s = 1;
  int election_timeout_ms = 1000;  // a new leader's leases get this much extra time
  std::int64_t quota_bytes = 0;
  std::int64_t recent_values_revisions = limits::mvcc_recent_values_revisions;
  std::uint64_t snapshot_count = 0;  // entries applied between log trims
  caf::actor storage;
  caf::actor raft;  // told when the log may be trimmed
};

struct ApplyActorState {
  std::unique_ptr<apply::StateMachine> machine;
  caf::actor watch;  // gets each batch's events
  caf::actor storage, raft;
  raft::Index last_trim = 0;
  std::uint64_t snapshot_count = 0;
  // Reads waiting for this node to apply their read index; a timer (armed
  // while any wait) answers those past their deadline.
  std::multimap<raft::Index, ReadRequestPtr> held_reads;
  bool read_expiry_armed = false;
  static inline const char* name = "apply";
};

caf::behavior apply_actor(caf::stateful_actor<ApplyActorState>* self, ApplyActorArgs args);

}  // namespace acord::actors
