#pragma once
// The raft actor: a thin adapter around the pure RaftCore. It ticks the core,
// hands Ready's entries to the storage actor (one durable write covers every
// proposal that arrived meanwhile: group commit), sends Ready's messages —
// a leader's appends at once, overlapping its own write with its followers'
// (its entries count toward commit only once durable); anything carrying a
// new term or vote only once that is durable — passes committed entries to
// the apply actor with the sessions waiting on them, and serves ReadIndex for
// linearizable reads. Where a proposal or read goes (appended, forwarded to
// the leader, held until one is known) is the core's business; the session
// waits on its own node for the entry to be applied.
#include <caf/all.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "core/cluster/waiting_requests.hpp"
#include "core/raft/raft_core.hpp"
#include "transport/peer_network.hpp"

namespace acord::actors {

struct RaftActorArgs {
  std::shared_ptr<raft::RaftCore> core;
  caf::actor storage;
  caf::actor apply;
  caf::actor transport;  // carries Raft messages and frames to the peers
  // When set, the raft actor writes its messages to the links itself (one
  // thread hop less per message than through the transport actor).
  std::shared_ptr<transport::PeerNetwork> network;
  caf::actor lease_relay;  // told who leads
  caf::actor snapshot_transfer;  // sends the snapshots the core asks for
  raft::NodeId self_id = 0;
  ProposalIds proposal_ids;  // shared with the member's sessions
  // This member's attributes, published through the log once a leader is known.
  protocol::Proposal publish;
  // Entries this node proposes when it becomes leader (etcd's first leader
  // records the cluster version).
  std::vector<protocol::Proposal> on_leadership;
  // Applied entries kept in the log when it is trimmed.
  std::uint64_t retain_entries = 0;
  int tick_ms = 100;  // one Raft tick: --heartbeat-interval
  // Called once when this member applies its own removal from the cluster
  // (etcd's member then stops: "the member has been permanently removed").
  std::function<void()> on_removed;
};

struct RaftActorState {
  RaftActorArgs args;
  bool persisting = false;
  // The term and vote known durable: a leader may send its appends while
  // their entries are still being written (Ongaro's thesis §10.2.1), but never
  // a message carrying a term or vote that a crash could forget.
  raft::Term durable_term = 0;
  raft::NodeId durable_vote = 0;
  // A hard state whose only change was the commit index, not written on its
  // own: it goes with the next write, if any (see process_ready).
  std::optional<raft::HardState> unwritten_commit;
  bool was_leader = false;
  bool published = false;  // this member's publish entry was applied
  bool publishing = false;
  std::uint64_t ticks = 0;
  std::uint64_t leaderless_ticks = 0;  // since a leader was last known
  std::uint64_t next_id = 1;  // read contexts and transfer numbers
  raft::NodeId told_leader = 0;  // what the lease relay last heard
  // Sessions waiting for their proposals to be applied, by proposal id (this
  // member's): from the request until the entry commits here (then the
  // waiter goes with the entry to the apply actor, which answers it) or its
  // deadline ("request timed out": a timer here, not one per session, whose
  // own delayed message would keep it alive until it fired).
  cluster::WaitingRequests<std::uint64_t, ReplyTo> waiting;
  // What a leader receives in one burst of its mailbox goes to the core at the
  // burst's end (a flush message queued behind it): encoded entries in one
  // append per follower, read contexts in one heartbeat round.
  std::vector<std::string> batched_entries;
  std::vector<std::uint64_t> batched_reads;
  bool member = false;  // this member is in the membership last applied
  bool flush_scheduled = false;
  cluster::WaitingRequests<std::uint64_t, ReadIndexWaiterPtr> reads;  // by read context
  bool said_waiting = false;  // logged that writes wait for a leader, since one was last known
  // Leadership transfers waiting for the new leader to be known here, by
  // their number.
  struct Transfer {
    raft::NodeId target = 0;
    caf::response_promise promise;
  };
  cluster::WaitingRequests<std::uint64_t, Transfer> transfers;
  // Follower: a snapshot from the leader is being installed (another
  // arriving meanwhile is dropped; the leader sends one again if needed).
  bool installing = false;
  static inline const char* name = "raft";
};

caf::behavior raft_actor(caf::stateful_actor<RaftActorState>* self, RaftActorArgs args);

}  // namespace acord::actors
