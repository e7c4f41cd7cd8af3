#pragma once
// etcd's --experimental-initial-corrupt-check: a member that restarts with
// data compares its HashKV with every peer's at its own revision before it
// serves clients, and refuses to start when a peer at the same compaction
// point holds different data. A peer it cannot reach, one that is behind or
// one that compacted elsewhere is reported and passed over, as in etcd.
//
// etcd asks its peers over the peer port; acord asks them over their client
// URLs (the ones they published, as its own data last recorded them), with the
// Maintenance.HashKV any client uses.
#include <chrono>
#include <string>

#include "actors/node.hpp"
#include "server/tls_files.hpp"

namespace acord::server {

// "" when no peer disagrees; otherwise etcd's one-line reason. Run before the
// member starts (NodeConfig::before_start), as etcd runs it before serving.
std::string check_initial_hash_kv(const actors::StartingState& local, std::chrono::milliseconds timeout,
                                  const TlsFiles& client_tls);

}  // namespace acord::server
