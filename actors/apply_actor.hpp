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
#include "actors/shared_machine.hpp"

namespace acord::actors {

struct ApplyActorArgs {
  SharedMachinePtr machine;  // built from what the data directory held
  std::uint64_t snapshot_count = 0;  // entries applied between log trims
  caf::actor storage;
  caf::actor raft;  // told when the log may be trimmed
};

struct ApplyActorState {
  SharedMachinePtr machine;  // also read by client threads (see shared_machine.hpp)
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
