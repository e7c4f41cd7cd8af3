#pragma once
// Snapshots between members, in chunks, outside Raft (as etcd streams them in
// its peer transport). Sending: when the raft core asks for one (its
// `snapshot` message), the state machine as of the apply actor's applied
// index goes to the follower in chunks, one snapshot per follower at a time.
// Receiving: the chunks are put together, and a whole snapshot goes to the
// raft actor, which installs it. A lost chunk loses the snapshot; Raft asks
// for another after an election timeout.
#include <caf/all.hpp>
#include <set>

#include "actors/messages.hpp"
#include "protocol/snapshot_chunks.hpp"

namespace acord::actors {

struct SnapshotTransferArgs {
  caf::actor apply;      // makes the snapshots sent
  caf::actor transport;  // carries the chunks
  caf::actor raft;       // installs those received (set by raft_link_atom once it exists)
};

struct SnapshotTransferState {
  SnapshotTransferArgs args;
  std::set<raft::NodeId> sending;  // followers a snapshot is being made or sent for
  protocol::SnapshotAssembly incoming;
  static inline const char* name = "snapshot-transfer";
};

// (snapshot_atom, follower): send it one; (frame_atom, from, kind, bytes): a
// snapshot_chunk frame; (raft_link_atom, raft actor). A whole snapshot goes to
// the raft actor as (install_atom, from, index, term, SnapshotBytesPtr).
caf::behavior snapshot_transfer(caf::stateful_actor<SnapshotTransferState>* self, SnapshotTransferArgs args);

}  // namespace acord::actors
