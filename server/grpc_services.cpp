#include "server/grpc_services.hpp"

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
grpc::ServerUnaryReactor* ClusterService::MemberList(grpc::CallbackServerContext* c, const MemberListRequest* q,
                                                     MemberListResponse* r) {
  return submit(node_, c, CallKind::member_list, q, r);
}

}  // namespace acord::server
