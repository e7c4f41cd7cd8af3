#pragma once
// How one node's actors are put together, apart from the process around them:
// Node (actors/node.hpp) runs this over RocksDB in a real actor system; the
// actor tests run it over the in-memory store under CAF's deterministic
// scheduler.
#include <caf/all.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/node.hpp"
#include "actors/session_actor.hpp"
#include "protocol/proposal.hpp"
#include "storage/store.hpp"
#include "transport/peer_network.hpp"

namespace acord::actors {

// Bootstraps an empty store for a new cluster, or checks that a used one
// belongs to the member the config describes; then loads it. On failure
// returns false with a one-line reason.
// `restarted` (if given): the data directory already held this member.
// A member joining a running cluster (--initial-cluster-state existing) asks
// `fetch_cluster` for the cluster's members and id, in which it must find
// itself (`find_self` gives its id, or says why not).
using FindSelf = std::function<std::optional<std::uint64_t>(const protocol::Membership&, std::string& error)>;
using FetchCluster = std::function<std::optional<protocol::Membership>(const FindSelf& find_self, std::string& error)>;
bool prepare_store(const NodeConfig& config, storage::Store& store, storage::Loaded& out, std::string& error,
                   bool* restarted = nullptr, const FetchCluster& fetch_cluster = {});

struct NodeActors {
  caf::actor storage, raft, apply, lease, lease_relay, snapshot_transfer, watch;
  caf::actor transport;  // over the caller's PeerNetwork
  std::shared_ptr<SessionContext> sessions;
  storage::Identity identity;
};

// Spawns the storage, apply and raft actors over a prepared store, and starts
// the raft actor (it applies what was committed, then stands for election).
// The storage actor gets its own thread unless `detached_storage` is false
// (deterministic tests). Without `network` nothing reaches a peer.
NodeActors spawn_node(caf::actor_system& sys, const NodeConfig& config, storage::Store& store,
                      storage::Loaded loaded, bool detached_storage = true,
                      std::shared_ptr<transport::PeerNetwork> network = nullptr);

// Stops the actors and drops every handle to them.
void stop_node(NodeActors& node);

}  // namespace acord::actors
