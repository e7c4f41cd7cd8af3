#include "server/initial_corruption_check.hpp"

#include <grpcpp/grpcpp.h>

#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/kv/api_error.hpp"
#include "core/cluster/url.hpp"
#include "server/client_credentials.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::server {
namespace {

using namespace etcdserverpb;

std::string peer_fields(const cluster::Member& peer, std::int64_t rev, std::int64_t crev, std::uint32_t hash) {
  std::string eps;
  for (const auto& u : peer.client_urls) eps += (eps.empty() ? "" : ",") + u;
  return " (local-member-revision " + std::to_string(rev) + ", local-member-compact-revision " + std::to_string(crev) +
         ", local-member-hash " + std::to_string(hash) + ", remote-peer-id " + cluster::to_hex(peer.id) +
         ", remote-peer-endpoints " + eps + ")";
}

}  // namespace

std::string check_initial_hash_kv(const actors::StartingState& local, std::chrono::milliseconds timeout,
                                  const TlsFiles& client_tls) {
  const std::string self = cluster::to_hex(local.member_id);
  log_info("starting initial corruption check (local-member-id " + self + ", timeout " +
           std::to_string(timeout.count()) + "ms)");
  const std::int64_t rev = local.hash.revision;
  const std::int64_t crev = local.hash.compact_revision;
  const std::uint32_t hash = local.hash.hash;
  int mismatch = 0;
  for (const auto& peer : local.members) {
    if (peer.id == local.member_id) continue;
    const std::string fields = peer_fields(peer, rev, crev, hash);
    if (peer.client_urls.empty()) {
      log_warn("cannot fetch hash from remote peer: it has not published its client URLs" + fields);
      continue;
    }
    bool answered = false;
    for (const auto& url : peer.client_urls) {
      cluster::Url parsed;
      try {
        parsed = cluster::parse_url(url);
      } catch (const std::exception&) {
        continue;
      }
      auto stub = Maintenance::NewStub(grpc::CreateChannel(parsed.host_port(), channel_credentials(parsed, client_tls)));
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + timeout);
      HashKVRequest q;
      q.set_revision(rev);
      HashKVResponse r;
      const grpc::Status s = stub->HashKV(&ctx, q, &r);
      if (!s.ok()) {
        // The peer's answer is one of the errors HashKV gives (ours, or etcd's).
        const std::string& m = s.error_message();
        if (m == errors::future_revision().message) {
          log_warn("cannot fetch hash from slow remote peer" + fields);
          answered = true;
          break;
        }
        if (m == errors::compacted().message) {
          log_warn("cannot fetch hash from remote peer; local member is behind" + fields);
          answered = true;
          break;
        }
        continue;  // unreachable at this URL: try its next one
      }
      answered = true;
      const std::string remote = ", remote-peer-revision " + std::to_string(r.header().revision()) +
                                 ", remote-peer-compact-revision " + std::to_string(r.compact_revision()) +
                                 ", remote-peer-hash " + std::to_string(r.hash());
      if (r.hash() != hash) {
        if (r.compact_revision() == crev) {
          log_warn("found different hash values from remote peer" + fields + remote);
          ++mismatch;
        } else {
          log_warn("found different compact revision values from remote peer" + fields + remote);
        }
      }
      break;
    }
    if (!answered) log_warn("cannot fetch hash from remote peer: unreachable" + fields);
  }
  if (mismatch > 0) return self + " found data inconsistency with peers";
  log_info("initial corruption checking passed; no corruption (local-member-id " + self + ")");
  return "";
}

}  // namespace acord::server
