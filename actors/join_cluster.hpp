#pragma once
// How a member joining a running cluster (--initial-cluster-state existing)
// learns the cluster before it has an identity: it asks another member named
// in --initial-cluster, on its peer port (a join_request frame, as etcd asks
// GET /members on a peer url), for the cluster id and the members as that
// member last applied.
#include <functional>
#include <optional>
#include <string>

#include "actors/node.hpp"
#include "protocol/proposal.hpp"

namespace acord::actors {

// Tries every other member's peer urls in turn until one answers with
// members that `accept` takes (it says why not in its error: a member that
// has not applied this one's addition yet answers without it), or until
// limits::join_fetch_timeout_ms passes; then nothing, with `error` set.
using AcceptMembers = std::function<bool(const protocol::Membership&, std::string& error)>;
std::optional<protocol::Membership> ask_cluster_members(const NodeConfig& config,
                                                        const AcceptMembers& accept, std::string& error);

}  // namespace acord::actors
