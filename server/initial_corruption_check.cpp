#include "server/initial_corruption_check.hpp"

#include <grpcpp/grpcpp.h>

#include <future>

#include "actors/call.hpp"
#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/kv/api_error.hpp"
#include "core/cluster/url.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::server {
namespace {

using namespace etcdserverpb;

// Runs one call on this member and waits for its answer.
ApiError call_node(actors::Node& node, actors::CallKind kind, const google::protobuf::Message& request,
                   google::protobuf::Message& response, std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<ApiError>>();
  auto answer = done->get_future();
  auto call = std::make_shared<actors::Call>();
  call->kind = kind;
  call->request = &request;
  call->response = &response;
  call->finish = [done](const ApiError& e) { done->set_value(e); };
  node.submit(call);
  if (answer.wait_for(timeout) != std::future_status::ready) {
    // The call still holds the request and response: wait it out rather than
    // let it write into freed memory (the node answers every call in time).
    answer.wait();
  }
  return answer.get();
}

std::string peer_fields(const Member& peer, std::int64_t rev, std::int64_t crev, std::uint32_t hash) {
  std::string eps;
  for (const auto& u : peer.clienturls()) eps += (eps.empty() ? "" : ",") + u;
  return " (local-member-revision " + std::to_string(rev) + ", local-member-compact-revision " + std::to_string(crev) +
         ", local-member-hash " + std::to_string(hash) + ", remote-peer-id " + cluster::to_hex(peer.id()) +
         ", remote-peer-endpoints " + eps + ")";
}

}  // namespace

std::string check_initial_hash_kv(actors::Node& node, std::chrono::milliseconds timeout) {
  const std::string self = cluster::to_hex(node.member_id());
  log_info("starting initial corruption check (local-member-id " + self + ", timeout " +
           std::to_string(timeout.count()) + "ms)");
  HashKVRequest local_request;
  HashKVResponse local;
  if (auto e = call_node(node, actors::CallKind::hash_kv, local_request, local, timeout); !e.ok()) {
    return self + " failed to fetch hash (" + e.message + ")";
  }
  const std::int64_t rev = local.header().revision();
  const std::int64_t crev = local.compact_revision();
  const std::uint32_t hash = local.hash();
  MemberListRequest list_request;
  MemberListResponse members;
  if (auto e = call_node(node, actors::CallKind::member_list, list_request, members, timeout); !e.ok()) {
    return self + " failed to list its peers (" + e.message + ")";
  }
  int mismatch = 0;
  for (const auto& peer : members.members()) {
    if (peer.id() == node.member_id()) continue;
    const std::string fields = peer_fields(peer, rev, crev, hash);
    if (peer.clienturls().empty()) {
      log_warn("cannot fetch hash from remote peer: it has not published its client URLs" + fields);
      continue;
    }
    bool answered = false;
    for (const auto& url : peer.clienturls()) {
      std::string target;
      try {
        target = cluster::parse_url(url).host_port();
      } catch (const std::exception&) {
        continue;
      }
      auto stub = Maintenance::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
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
