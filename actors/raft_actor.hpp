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
  // entry index -> (proposal id, waiting session)
  std::map<raft::Index, std::pair<std::uint64_t, caf::actor>> waiting;
  // ReadIndex requests held until the leader has committed an entry of its term.
  std::vector<caf::response_promise> held_reads;
  static inline const char* name = "raft";
};

}  // namespace acord::actors
