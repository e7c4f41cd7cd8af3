#pragma once
// etcd's --experimental-initial-corrupt-check: a member that restarts with
// data compares its HashKV with every peer's at its own revision before it
// serves clients, and refuses to start when a peer at the same compaction
// point holds different data. A peer it cannot reach, one that is behind or
// one that compacted elsewhere is reported and passed over, as in etcd.
//
// etcd asks its peers over the peer port; acord asks them over their client
// URLs (the ones they published), with the Maintenance.HashKV any client uses.
#include <chrono>
#include <string>

#include "actors/node.hpp"

namespace acord::server {

// "" when no peer disagrees; otherwise etcd's one-line reason.
std::string check_initial_hash_kv(actors::Node& node, std::chrono::milliseconds timeout);

}  // namespace acord::server
