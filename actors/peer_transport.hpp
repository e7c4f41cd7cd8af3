#pragma once
// The peer transport's actor: what Raft and the other actors send to peers
// goes out through the member's PeerNetwork (transport/peer_network.hpp,
// acord's own links: one thread hop in, none out), and what peers send comes
// back to the actor each kind of frame is for. It keeps the network's peers in
// line with the membership as applied. Raft messages that do not decode, or
// that are not from the member whose link they came on, are dropped and
// counted.
#include <caf/all.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/messages.hpp"
#include "transport/peer_network.hpp"

namespace acord::actors {

struct PeerTransportArgs {
  raft::NodeId self_id = 0;
  std::uint64_t cluster_id = 0;
  // The links; none (deterministic tests): nothing reaches a peer.
  std::shared_ptr<transport::PeerNetwork> network;
  std::map<raft::NodeId, transport::PeerEndpoint> peers;  // until a membership says otherwise
  caf::actor raft;  // gets (inbound_atom, RaftMessagesPtr)
  // Where the other frames go, by kind, as (frame_atom, from, kind, bytes):
  // lease questions to the lease relay, snapshot chunks to the snapshot transfer.
  std::map<std::uint8_t, caf::actor> routes;
};

// Where frames from peers go; read on the network's thread.
struct InboundRoutes {
  std::mutex mu;
  raft::NodeId self_id = 0;
  caf::actor raft;
  std::map<std::uint8_t, caf::actor> routes;
  std::atomic<std::uint64_t> dropped{0};  // Raft messages that did not decode or were not from the link's member
};

struct PeerTransportState {
  PeerTransportArgs args;
  std::shared_ptr<InboundRoutes> inbound;
  std::map<raft::NodeId, transport::PeerEndpoint> peers;
  std::set<raft::NodeId> removed;  // removed members: never peers again
  static inline const char* name = "peer-transport";
};

caf::behavior peer_transport(caf::stateful_actor<PeerTransportState>* self, PeerTransportArgs args);

// Writes Raft messages to their peers, one write per peer for what goes to it
// together. The transport actor does this for what it is sent; the raft actor
// calls it itself, so its messages cross no thread on their way out.
void send_raft_messages(transport::PeerNetwork& network, const std::vector<raft::Message>& msgs);

}  // namespace acord::actors
