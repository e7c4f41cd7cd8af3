#include "server/grpc_front.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "server/snapshot_call.hpp"
#include "server/stream_call.hpp"
#include "server/unary_call.hpp"

namespace acord::server {

using actors::CallKind;
using namespace etcdserverpb;

namespace {

// gRPC's generated Request<Method> for a unary method, on one queue.
template <class Service, class Base, class Request, class Response>
UnaryMethod<Request, Response> unary(
    Service& service, CallKind kind,
    void (Base::*request)(grpc::ServerContext*, Request*, grpc::ServerAsyncResponseWriter<Response>*,
                          grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*)) {
  return {kind, [&service, request](grpc::ServerContext* c, Request* q, grpc::ServerAsyncResponseWriter<Response>* w,
                                    grpc::ServerCompletionQueue* cq, void* tag) { (service.*request)(c, q, w, cq, cq, tag); }};
}

template <class Service, class Base, class Request, class Response>
StreamMethod<Request, Response> stream(
    Service& service, actors::StreamKind kind,
    void (Base::*request)(grpc::ServerContext*, grpc::ServerAsyncReaderWriter<Response, Request>*,
                          grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*)) {
  return {kind, [&service, request](grpc::ServerContext* c, grpc::ServerAsyncReaderWriter<Response, Request>* s,
                                    grpc::ServerCompletionQueue* cq, void* tag) { (service.*request)(c, s, cq, cq, tag); }};
}

// Each completion calls its tag back: a queue's whole life on its thread.
void serve(grpc::ServerCompletionQueue* queue) {
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) static_cast<CompletionTag*>(tag)->completed(ok);
}

}  // namespace

struct GrpcFront::Methods {
  UnaryMethod<RangeRequest, RangeResponse> range;
  UnaryMethod<PutRequest, PutResponse> put;
  UnaryMethod<DeleteRangeRequest, DeleteRangeResponse> delete_range;
  UnaryMethod<TxnRequest, TxnResponse> txn;
  UnaryMethod<CompactionRequest, CompactionResponse> compact;
  UnaryMethod<LeaseGrantRequest, LeaseGrantResponse> lease_grant;
  UnaryMethod<LeaseRevokeRequest, LeaseRevokeResponse> lease_revoke;
  UnaryMethod<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> lease_time_to_live;
  UnaryMethod<LeaseLeasesRequest, LeaseLeasesResponse> lease_leases;
  UnaryMethod<MemberAddRequest, MemberAddResponse> member_add;
  UnaryMethod<MemberRemoveRequest, MemberRemoveResponse> member_remove;
  UnaryMethod<MemberUpdateRequest, MemberUpdateResponse> member_update;
  UnaryMethod<MemberListRequest, MemberListResponse> member_list;
  UnaryMethod<MemberPromoteRequest, MemberPromoteResponse> member_promote;
  UnaryMethod<AlarmRequest, AlarmResponse> alarm;
  UnaryMethod<StatusRequest, StatusResponse> status;
  UnaryMethod<HashKVRequest, HashKVResponse> hash_kv;
  UnaryMethod<MoveLeaderRequest, MoveLeaderResponse> move_leader;
  StreamMethod<WatchRequest, WatchResponse> watch;
  StreamMethod<LeaseKeepAliveRequest, LeaseKeepAliveResponse> lease_keep_alive;
  SnapshotMethod snapshot;

  // Every queue waits for one call of each method.
  void await_all(const FrontContext& front, grpc::ServerCompletionQueue* q) const {
    UnaryCall<RangeRequest, RangeResponse>::await(front, range, q);
    UnaryCall<PutRequest, PutResponse>::await(front, put, q);
    UnaryCall<DeleteRangeRequest, DeleteRangeResponse>::await(front, delete_range, q);
    UnaryCall<TxnRequest, TxnResponse>::await(front, txn, q);
    UnaryCall<CompactionRequest, CompactionResponse>::await(front, compact, q);
    UnaryCall<LeaseGrantRequest, LeaseGrantResponse>::await(front, lease_grant, q);
    UnaryCall<LeaseRevokeRequest, LeaseRevokeResponse>::await(front, lease_revoke, q);
    UnaryCall<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>::await(front, lease_time_to_live, q);
    UnaryCall<LeaseLeasesRequest, LeaseLeasesResponse>::await(front, lease_leases, q);
    UnaryCall<MemberAddRequest, MemberAddResponse>::await(front, member_add, q);
    UnaryCall<MemberRemoveRequest, MemberRemoveResponse>::await(front, member_remove, q);
    UnaryCall<MemberUpdateRequest, MemberUpdateResponse>::await(front, member_update, q);
    UnaryCall<MemberListRequest, MemberListResponse>::await(front, member_list, q);
    UnaryCall<MemberPromoteRequest, MemberPromoteResponse>::await(front, member_promote, q);
    UnaryCall<AlarmRequest, AlarmResponse>::await(front, alarm, q);
    UnaryCall<StatusRequest, StatusResponse>::await(front, status, q);
    UnaryCall<HashKVRequest, HashKVResponse>::await(front, hash_kv, q);
    UnaryCall<MoveLeaderRequest, MoveLeaderResponse>::await(front, move_leader, q);
    StreamCall<WatchRequest, WatchResponse>::await(front, watch, q);
    StreamCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>::await(front, lease_keep_alive, q);
    SnapshotCall::await(front, snapshot, q);
  }
};

GrpcFront::GrpcFront(actors::Node& node, grpc::ServerBuilder& builder, int threads) : context_{node, live_} {
  using K = KV::AsyncService;
  using L = Lease::AsyncService;
  using C = Cluster::AsyncService;
  using M = Maintenance::AsyncService;
  methods_.reset(new Methods{
      unary(kv_, CallKind::range, &K::RequestRange),
      unary(kv_, CallKind::put, &K::RequestPut),
      unary(kv_, CallKind::delete_range, &K::RequestDeleteRange),
      unary(kv_, CallKind::txn, &K::RequestTxn),
      unary(kv_, CallKind::compact, &K::RequestCompact),
      unary(lease_, CallKind::lease_grant, &L::RequestLeaseGrant),
      unary(lease_, CallKind::lease_revoke, &L::RequestLeaseRevoke),
      unary(lease_, CallKind::lease_time_to_live, &L::RequestLeaseTimeToLive),
      unary(lease_, CallKind::lease_leases, &L::RequestLeaseLeases),
      unary(cluster_, CallKind::member_add, &C::RequestMemberAdd),
      unary(cluster_, CallKind::member_remove, &C::RequestMemberRemove),
      unary(cluster_, CallKind::member_update, &C::RequestMemberUpdate),
      unary(cluster_, CallKind::member_list, &C::RequestMemberList),
      unary(cluster_, CallKind::member_promote, &C::RequestMemberPromote),
      unary(maintenance_, CallKind::alarm, &M::RequestAlarm),
      unary(maintenance_, CallKind::status, &M::RequestStatus),
      unary(maintenance_, CallKind::hash_kv, &M::RequestHashKV),
      unary(maintenance_, CallKind::move_leader, &M::RequestMoveLeader),
      stream(watch_, actors::StreamKind::watch, &Watch::AsyncService::RequestWatch),
      stream(lease_, actors::StreamKind::lease_keep_alive, &L::RequestLeaseKeepAlive),
      SnapshotMethod{[this](grpc::ServerContext* c, SnapshotRequest* q, SnapshotMethod::Writer* w,
                            grpc::ServerCompletionQueue* cq,
                            void* tag) { maintenance_.RequestSnapshot(c, q, w, cq, cq, tag); }},
  });
  builder.RegisterService(&kv_);
  builder.RegisterService(&watch_);
  builder.RegisterService(&lease_);
  builder.RegisterService(&cluster_);
  builder.RegisterService(&maintenance_);
  for (int i = 0; i < std::max(1, threads); ++i) queues_.push_back(builder.AddCompletionQueue());
}

GrpcFront::~GrpcFront() {
  if (!stopped_) stop(std::chrono::steady_clock::now());
}

void GrpcFront::start() {
  for (auto& q : queues_) {
    methods_->await_all(context_, q.get());
    threads_.emplace_back(serve, q.get());
  }
}

bool GrpcFront::stop(std::chrono::steady_clock::time_point deadline) {
  stopped_ = true;
  // The queues still turn while the calls' last completions come back.
  if (!threads_.empty() && !live_.wait_none(deadline)) return false;
  for (auto& q : queues_) q->Shutdown();
  if (threads_.empty()) {
    // Never started (the member failed to listen): drained here.
    for (auto& q : queues_) serve(q.get());
  }
  for (auto& t : threads_) t.join();
  return true;
}

int GrpcFront::default_threads() {
  // An override for measuring the front (not a flag: etcd has none).
  if (const char* env = std::getenv("ACORD_GRPC_THREADS")) return std::max(1, std::atoi(env));
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
}

}  // namespace acord::server
