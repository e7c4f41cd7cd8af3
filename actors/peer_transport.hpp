#pragma once
// The peer transport: moves Raft messages between members over CAF's
// middleman, msgpack-encoded (protocol/raft_wire.hpp) inside a frame that
// names the cluster. One transport actor per node is published on its peer
// port; it connects to each peer's transport, reconnects when a peer goes away
// (a restart, a partition), and drops what it cannot deliver — Raft resends.
// Frames from another cluster, or that do not decode, are dropped and counted.
// An https peer is reached over TLS (CAF's OpenSSL module: with certificates,
// both sides must present one the trusted CA signed, or the handshake fails;
// with auto TLS, encrypted without certificates).
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace acord::actors {

struct PeerAddress {
  raft::NodeId id = 0;
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;  // an https peer url: reached through CAF's OpenSSL module
};

struct PeerTransportArgs {
  raft::NodeId self_id = 0;
  std::uint64_t cluster_id = 0;
  std::vector<PeerAddress> peers;
  caf::actor raft;  // gets (inbound_atom, RaftMessagesPtr)
  // Where the other frames go, by kind, as (frame_atom, from, kind, bytes):
  // lease questions to the lease relay, snapshot chunks to the snapshot transfer.
  std::map<std::uint8_t, caf::actor> routes;
};

struct PeerTransportState {
  struct Peer {
    PeerAddress address;
    caf::actor remote;  // null while not connected
    bool connecting = false;
    int failures = 0;
    bool handshake_refused = false;  // logged once until a connection succeeds
  };
  PeerTransportArgs args;
  std::map<raft::NodeId, Peer> peers;
  MembershipPtr membership;  // as last applied: what a joining member is told
  std::set<raft::NodeId> removed;  // removed members: never peers again
  std::uint64_t dropped_frames = 0;  // from another cluster, or undecodable
  static inline const char* name = "peer-transport";
};

caf::behavior peer_transport(caf::stateful_actor<PeerTransportState>* self, PeerTransportArgs args);

}  // namespace acord::actors
