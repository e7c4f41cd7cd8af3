#include "server/grpc_services.hpp"
#include "server/snapshot_reactor.hpp"

#include "server/stream_reactor.hpp"

namespace acord::server {
namespace {

using actors::CallKind;

grpc::ServerUnaryReactor* submit(actors::Node& node, grpc::CallbackServerContext* ctx, CallKind kind,
                                 const google::protobuf::Message* req, google::protobuf::Message* resp) {
  auto* reactor = ctx->DefaultReactor();
  auto call = std::make_shared<actors::Call>();
  call->kind = kind;
  call->request = req;
  call->response = resp;
  call->finish = [reactor](const ApiError& e) {
    reactor->Finish(e.ok() ? grpc::Status::OK : grpc::Status(static_cast<grpc::StatusCode>(e.code), e.message));
  };
  node.submit(std::move(call));
  return reactor;
}

}  // namespace

using namespace etcdserverpb;

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* c, const RangeRequest* q, RangeResponse* r) {
  return submit(node_, c, CallKind::range, q, r);
}
grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* c, const PutRequest* q, PutResponse* r) {
  return submit(node_, c, CallKind::put, q, r);
}
grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* c, const DeleteRangeRequest* q,
                                                 DeleteRangeResponse* r) {
  return submit(node_, c, CallKind::delete_range, q, r);
}
grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* c, const TxnRequest* q, TxnResponse* r) {
  return submit(node_, c, CallKind::txn, q, r);
}
grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* c, const CompactionRequest* q,
                                             CompactionResponse* r) {
  return submit(node_, c, CallKind::compact, q, r);
}
grpc::ServerUnaryReactor* MaintenanceService::Status(grpc::CallbackServerContext* c, const StatusRequest* q,
                                                     StatusResponse* r) {
  return submit(node_, c, CallKind::status, q, r);
}
grpc::ServerUnaryReactor* MaintenanceService::Alarm(grpc::CallbackServerContext* c, const AlarmRequest* q,
                                                    AlarmResponse* r) {
  return submit(node_, c, CallKind::alarm, q, r);
}
grpc::ServerUnaryReactor* MaintenanceService::MoveLeader(grpc::CallbackServerContext* c, const MoveLeaderRequest* q,
                                                         MoveLeaderResponse* r) {
  return submit(node_, c, CallKind::move_leader, q, r);
}
grpc::ServerUnaryReactor* MaintenanceService::HashKV(grpc::CallbackServerContext* c, const HashKVRequest* q,
                                                     HashKVResponse* r) {
  return submit(node_, c, CallKind::hash_kv, q, r);
}
grpc::ServerWriteReactor<SnapshotResponse>* MaintenanceService::Snapshot(grpc::CallbackServerContext*,
                                                                         const SnapshotRequest*) {
  return new SnapshotReactor(node_);
}
grpc::ServerUnaryReactor* ClusterService::MemberAdd(grpc::CallbackServerContext* c, const MemberAddRequest* q,
                                                    MemberAddResponse* r) {
  return submit(node_, c, CallKind::member_add, q, r);
}
grpc::ServerUnaryReactor* ClusterService::MemberRemove(grpc::CallbackServerContext* c, const MemberRemoveRequest* q,
                                                       MemberRemoveResponse* r) {
  return submit(node_, c, CallKind::member_remove, q, r);
}
grpc::ServerUnaryReactor* ClusterService::MemberUpdate(grpc::CallbackServerContext* c, const MemberUpdateRequest* q,
                                                       MemberUpdateResponse* r) {
  return submit(node_, c, CallKind::member_update, q, r);
}
grpc::ServerUnaryReactor* ClusterService::MemberPromote(grpc::CallbackServerContext* c, const MemberPromoteRequest* q,
                                                        MemberPromoteResponse* r) {
  return submit(node_, c, CallKind::member_promote, q, r);
}
grpc::ServerUnaryReactor* ClusterService::MemberList(grpc::CallbackServerContext* c, const MemberListRequest* q,
                                                     MemberListResponse* r) {
  return submit(node_, c, CallKind::member_list, q, r);
}

grpc::ServerUnaryReactor* LeaseService::LeaseGrant(grpc::CallbackServerContext* c, const LeaseGrantRequest* q,
                                                   LeaseGrantResponse* r) {
  return submit(node_, c, CallKind::lease_grant, q, r);
}
grpc::ServerUnaryReactor* LeaseService::LeaseRevoke(grpc::CallbackServerContext* c, const LeaseRevokeRequest* q,
                                                    LeaseRevokeResponse* r) {
  return submit(node_, c, CallKind::lease_revoke, q, r);
}
grpc::ServerUnaryReactor* LeaseService::LeaseTimeToLive(grpc::CallbackServerContext* c,
                                                        const LeaseTimeToLiveRequest* q, LeaseTimeToLiveResponse* r) {
  return submit(node_, c, CallKind::lease_time_to_live, q, r);
}
grpc::ServerUnaryReactor* LeaseService::LeaseLeases(grpc::CallbackServerContext* c, const LeaseLeasesRequest* q,
                                                    LeaseLeasesResponse* r) {
  return submit(node_, c, CallKind::lease_leases, q, r);
}
grpc::ServerBidiReactor<LeaseKeepAliveRequest, LeaseKeepAliveResponse>* LeaseService::LeaseKeepAlive(
    grpc::CallbackServerContext*) {
  return new StreamReactor<LeaseKeepAliveRequest, LeaseKeepAliveResponse>(node_, actors::StreamKind::lease_keep_alive);
}
grpc::ServerBidiReactor<WatchRequest, WatchResponse>* WatchService::Watch(grpc::CallbackServerContext*) {
  return new StreamReactor<WatchRequest, WatchResponse>(node_, actors::StreamKind::watch);
}

}  // namespace acord::server
