#include "actors/join_cluster.hpp"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "core/cluster/url.hpp"
#include "core/limits.hpp"
#include "transport/peer_network.hpp"

namespace acord::actors {
namespace {

// One member's answer, or nothing if it cannot be reached or has no members.
std::optional<protocol::Membership> ask(const NodeConfig& c, const std::string& peer_url) {
  cluster::Url url;
  try {
    url = cluster::parse_url(peer_url);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  const auto tls = peer_tls_files(c);
  auto answer = transport::ask_join(transport::PeerEndpoint{url.host, static_cast<std::uint16_t>(url.port), url.tls()},
                                    c.peer_tls.enabled ? &tls : nullptr,
                                    std::chrono::milliseconds(limits::join_fetch_retry_ms * 8),
                                    peer_frame_limit(c));
  if (!answer || answer->cluster_id == 0) return std::nullopt;
  auto m = protocol::decode_membership(answer->membership);
  if (!m || m->members.empty()) return std::nullopt;
  m->cluster_id = answer->cluster_id;
  return m;
}

}  // namespace

std::optional<protocol::Membership> ask_cluster_members(const NodeConfig& c,
                                                        const AcceptMembers& accept, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits::join_fetch_timeout_ms);
  std::string refused;  // why the last answer did not do
  do {
    for (const auto& m : c.initial_cluster) {
      if (m.name == c.name) continue;
      for (const auto& url : m.peer_urls) {
        auto answer = ask(c, url);
        if (!answer) continue;
        if (accept(*answer, refused)) return answer;
      }
    }
    // Members may be starting, or not have applied this one's addition yet:
    // ask again shortly, until the deadline.
    std::this_thread::sleep_for(std::chrono::milliseconds(limits::join_fetch_retry_ms));
  } while (std::chrono::steady_clock::now() < deadline);
  error = !refused.empty()
              ? refused
              : "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given "
                "URLs (--initial-cluster-state existing: is the cluster running, and is this member added to it?)";
  return std::nullopt;
}

}  // namespace acord::actors
