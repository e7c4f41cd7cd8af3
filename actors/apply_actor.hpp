#pragma once
// The apply actor: owns the state machine (MVCC store, KV applier, membership,
// alarms). It applies committed entries in log order, answers the sessions
// waiting on them, sends the resulting changes to the storage actor, and
// serves reads once its applied index reaches the read's index.
#include <caf/all.hpp>
#include <map>
#include <memory>

#include "actors/messages.hpp"
#include "core/kv/kv_applier.hpp"
#include "core/mvcc/mvcc_store.hpp"

namespace acord::actors {

struct ApplyActorArgs {
  storage::Identity identity;
  storage::ApplyState restored;          // what the data directory held
  std::vector<mvcc::Record> records;     // the MVCC records it held
  std::int64_t quota_bytes = 0;
  std::uint64_t snapshot_count = 0;  // entries applied between log trims
  caf::actor storage;
  caf::actor raft;  // told when the log may be trimmed
};

struct ApplyActorState {
  storage::Identity identity;
  mvcc::MvccStore store;
  std::unique_ptr<kv::KvApplier> applier;
  storage::ApplyState state;  // applied index, membership, alarms, version
  raft::Term term = 0;
  caf::actor storage, raft;
  raft::Index last_trim = 0;
  std::uint64_t snapshot_count = 0;
  std::multimap<raft::Index, std::pair<ReadRequestPtr, caf::response_promise>> held_reads;
  static inline const char* name = "apply";
};

caf::behavior apply_actor(caf::stateful_actor<ApplyActorState>* self, ApplyActorArgs args);

}  // namespace acord::actors
