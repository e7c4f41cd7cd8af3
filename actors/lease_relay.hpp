#pragma once
// The lease relay answers keep-alives and time-to-live questions, which only
// the leader can answer: its lease table alone knows when a lease expires
// (followers' tables do not count down). On the leader it asks the apply
// actor; on a follower it sends the question to the leader as a peer frame
// and waits for the answer frame, up to the request timeout. Not Raft: it
// only needs to know who leads, which the raft actor tells it.
#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "core/cluster/waiting_requests.hpp"

namespace acord::actors {

struct LeaseRelayArgs {
  caf::actor apply;
  caf::actor transport;  // carries the questions and answers between members
  int tick_ms = 100;     // how often unanswered questions are timed out
};

struct LeaseRelayState {
  LeaseRelayArgs args;
  raft::NodeId leader = 0;  // as the raft actor last said
  bool leads = false;       // this member
  std::uint64_t ticks = 0;
  std::uint64_t next_context = 1;
  // Questions sent to the leader, by context.
  struct Asked {
    caf::response_promise promise;
    LeaseQuery query = LeaseQuery::renew;
  };
  cluster::WaitingRequests<std::uint64_t, Asked> asked;
  static inline const char* name = "lease-relay";
};

// (lease_atom, LeaseQuery, lease id, with keys) -> ResultPtr, from sessions;
// (leader_atom, leader id, this member leads), from the raft actor;
// (frame_atom, from, PeerFrame, bytes): lease_request and lease_response frames.
caf::behavior lease_relay(caf::stateful_actor<LeaseRelayState>* self, LeaseRelayArgs args);

}  // namespace acord::actors
