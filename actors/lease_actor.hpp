#pragma once
// The lease actor owns the leases' clock: every lease_check_interval_ms it
// asks the apply actor which leases have expired (only a leader's lease table
// names any) and proposes their revocation through Raft, so every member
// deletes the lease's keys at the same revision. A revocation not applied
// within lease_revoke_retry_ms (a lost proposal, a leader change) is proposed
// again.
#include <caf/all.hpp>
#include <map>

#include "actors/messages.hpp"

namespace acord::actors {

struct LeaseActorArgs {
  caf::actor apply;
  caf::actor raft;
  std::uint64_t member_id = 0;
};

struct LeaseActorState {
  LeaseActorArgs args;
  // Revocations proposed, by lease id, with when they were proposed.
  std::map<std::int64_t, std::int64_t> proposed_at_ms;
  static inline const char* name = "lease";
};

caf::behavior lease_actor(caf::stateful_actor<LeaseActorState>* self, LeaseActorArgs args);

}  // namespace acord::actors
