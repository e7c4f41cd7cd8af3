#pragma once
// The apply actor: owns the state machine (MVCC store, leases, KV applier,
// membership, alarms). It applies committed entries in log order, answers the
// sessions waiting on them, sends the resulting changes to the storage actor,
// and serves reads once its applied index reaches the read's index. While
// this member leads, its lease table also keeps the leases' expiry: it renews
// keep-alives and names the expired leases (the lease actor proposes their
// revocation).
#include <caf/all.hpp>
#include <map>
#include <memory>

#include "actors/messages.hpp"
#include "core/kv/kv_applier.hpp"
#include "core/lease/lease_table.hpp"
#include "core/mvcc/mvcc_store.hpp"

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
  std::uint64_t snapshot_count = 0;  // entries applied between log trims
  caf::actor storage;
  caf::actor raft;  // told when the log may be trimmed
};

struct ApplyActorState {
  storage::Identity identity;
  mvcc::MvccStore store;
  std::unique_ptr<lease::LeaseTable> leases;
  std::unique_ptr<kv::KvApplier> applier;
  int election_timeout_ms = 1000;
  caf::actor watch;  // gets each batch's events
  storage::ApplyState state;  // applied index, membership, alarms, version
  raft::Term term = 0;
  caf::actor storage, raft;
  raft::Index last_trim = 0;
  std::uint64_t restores = 0;  // snapshot installs so far: older write answers are stale
  std::uint64_t snapshot_count = 0;
  // Reads waiting for this node to apply their read index; a timer (armed
  // while any wait) answers those past their deadline.
  std::multimap<raft::Index, ReadRequestPtr> held_reads;
  bool read_expiry_armed = false;
  static inline const char* name = "apply";
};

caf::behavior apply_actor(caf::stateful_actor<ApplyActorState>* self, ApplyActorArgs args);

}  // namespace acord::actors
