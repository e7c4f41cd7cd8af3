#include "actors/join_cluster.hpp"

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "actors/messages.hpp"
#include "core/cluster/url.hpp"
#include "core/limits.hpp"

namespace acord::actors {
namespace {

// One member's answer, or nothing if it cannot be reached or has no members.
std::optional<protocol::Membership> ask(caf::actor_system& sys, const std::string& peer_url) {
  cluster::Url url;
  try {
    url = cluster::parse_url(peer_url);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  const auto port = static_cast<std::uint16_t>(url.port);
  if (url.tls() && !sys.has_openssl_manager()) return std::nullopt;  // no peer TLS here
  auto remote = url.tls() ? caf::openssl::remote_actor(sys, url.host, port) : sys.middleman().remote_actor(url.host, port);
  if (!remote) return std::nullopt;
  std::optional<protocol::Membership> answer;
  caf::scoped_actor self{sys};
  self->request(*remote, std::chrono::milliseconds(limits::join_fetch_retry_ms * 8), join_atom::value)
      .receive(
          [&](std::uint64_t cluster_id, const std::string& bytes) {
            auto m = protocol::decode_membership(bytes);
            if (!m || cluster_id == 0 || m->members.empty()) return;
            m->cluster_id = cluster_id;
            answer = std::move(m);
          },
          [&](const caf::error&) {});
  return answer;
}

}  // namespace

std::optional<protocol::Membership> ask_cluster_members(caf::actor_system& sys, const NodeConfig& c,
                                                        const AcceptMembers& accept, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limits::join_fetch_timeout_ms);
  std::string refused;  // why the last answer did not do
  do {
    for (const auto& m : c.initial_cluster) {
      if (m.name == c.name) continue;
      for (const auto& url : m.peer_urls) {
        auto answer = ask(sys, url);
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
