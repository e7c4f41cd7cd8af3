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

GrpcFront::GrpcFront(actors::Node& node, grpc::ServerBuilder& builder, int threads) : context_{node, live_} {
  using K = KV::AsyncService;
  using L = Lease::AsyncService;
  using C = Cluster::AsyncService;
  using M = Maintenance::AsyncService;
  auto add = [this](auto method) { methods_.push_back(std::make_unique<decltype(method)>(std::move(method))); };
  add(unary(kv_, CallKind::range, &K::RequestRange));
  add(unary(kv_, CallKind::put, &K::RequestPut));
  add(unary(kv_, CallKind::delete_range, &K::RequestDeleteRange));
  add(unary(kv_, CallKind::txn, &K::RequestTxn));
  add(unary(kv_, CallKind::compact, &K::RequestCompact));
  add(unary(lease_, CallKind::lease_grant, &L::RequestLeaseGrant));
  add(unary(lease_, CallKind::lease_revoke, &L::RequestLeaseRevoke));
  add(unary(lease_, CallKind::lease_time_to_live, &L::RequestLeaseTimeToLive));
  add(unary(lease_, CallKind::lease_leases, &L::RequestLeaseLeases));
  add(unary(cluster_, CallKind::member_add, &C::RequestMemberAdd));
  add(unary(cluster_, CallKind::member_remove, &C::RequestMemberRemove));
  add(unary(cluster_, CallKind::member_update, &C::RequestMemberUpdate));
  add(unary(cluster_, CallKind::member_list, &C::RequestMemberList));
  add(unary(cluster_, CallKind::member_promote, &C::RequestMemberPromote));
  add(unary(maintenance_, CallKind::alarm, &M::RequestAlarm));
  add(unary(maintenance_, CallKind::status, &M::RequestStatus));
  add(unary(maintenance_, CallKind::hash_kv, &M::RequestHashKV));
  add(unary(maintenance_, CallKind::move_leader, &M::RequestMoveLeader));
  add(stream(watch_, actors::StreamKind::watch, &Watch::AsyncService::RequestWatch));
  add(stream(lease_, actors::StreamKind::lease_keep_alive, &L::RequestLeaseKeepAlive));
  add(SnapshotMethod([this](grpc::ServerContext* c, SnapshotRequest* q, SnapshotMethod::Writer* w,
                            grpc::ServerCompletionQueue* cq, void* tag) {
    maintenance_.RequestSnapshot(c, q, w, cq, cq, tag);
  }));
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
    // Every queue waits for one call of each method.
    for (const auto& m : methods_) m->await(context_, q.get());
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
