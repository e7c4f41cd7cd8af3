#pragma once
// The raft actor: a thin adapter around the pure RaftCore. It ticks the core,
// hands Ready's entries to the storage actor (one durable write covers every
// proposal that arrived meanwhile: group commit), passes committed entries to
// the apply actor with the sessions waiting on them, and answers ReadIndex
// requests for linearizable reads.
#include <caf/all.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "core/raft/raft_core.hpp"

namespace acord::actors {

struct RaftActorArgs {
  std::shared_ptr<raft::RaftCore> core;
  caf::actor storage;
  caf::actor apply;
  // Entries this node proposes each time it becomes leader (etcd publishes its
  // member attributes and, once, the cluster version).
  std::vector<protocol::Proposal> on_leadership;
  // Applied entries kept in the log when it is trimmed.
  std::uint64_t retain_entries = 0;
};

caf::behavior raft_actor(caf::stateful_actor<struct RaftActorState>* self, RaftActorArgs args);

struct RaftActorState {
  RaftActorArgs args;
  bool persisting = false;
  bool was_leader = false;
  // A session waiting for its entry to be applied; it gets "request timed out"
  // once `expires_at_tick` passes (a timer here, not one per session: a
  // session's own delayed message would keep it alive until it fired).
  struct Waiter {
    std::uint64_t proposal_id = 0;
    caf::actor session;
    std::uint64_t expires_at_tick = 0;
  };
  std::map<raft::Index, Waiter> waiting;  // by entry index
  std::uint64_t ticks = 0;
  // ReadIndex requests held until the leader has committed an entry of its term.
  std::vector<caf::response_promise> held_reads;
  static inline const char* name = "raft";
};

}  // namespace acord::actors
