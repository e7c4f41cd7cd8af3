#pragma once
// A unary client request, on its way: checked against etcd's rules and limits
// and routed (writes: proposed through Raft; linearizable reads: ReadIndex,
// then the apply actor; serializable reads: served from the shared state
// machine) from the caller's thread, answered by whoever has the outcome. Only
// the requests that need several answers put together (status, member list,
// leases, alarms, leadership transfer) get a session actor of their own, which
// waits with a deadline, answers through the call's callback, and ends.
#include <atomic>
#include <caf/all.hpp>
#include <string>

#include "actors/call.hpp"
#include "actors/messages.hpp"
#include "actors/shared_machine.hpp"

namespace acord::actors {

// What every session of a node shares.
struct SessionContext {
  caf::actor raft;
  caf::actor leases;  // keep-alives and time-to-live (lease_relay)
  caf::actor apply;
  SharedMachinePtr machine;  // what serializable reads and the leader's keep-alives need (no actor)
  caf::actor watch;
  std::atomic<std::uint64_t> next_stream_id{1};
  std::uint64_t member_id = 0;
  std::uint64_t max_request_bytes = 0;
  int max_txn_ops = 0;
  std::string version;  // reported by Maintenance.Status
  ProposalIds proposal_ids;  // shared with the raft actor
  cluster::LeaseIds lease_ids;  // for grants that name no id
  std::atomic<std::uint64_t> next_lease_suffix{0};
};

// Reads, writes and requests that fail their checks need no session: they
// are checked and sent on the caller's thread and answered by the actor that
// has their outcome. Returns false for a call that needs a session_actor.
bool handled_without_session(const std::shared_ptr<SessionContext>& ctx, const CallPtr& call);

// The rest: waits for the actors' answers.
caf::behavior session_actor(caf::event_based_actor* self, std::shared_ptr<SessionContext> ctx, CallPtr call);

}  // namespace acord::actors
