#pragma once
// etcd's gRPC services on the client port (callback API). Each call becomes an
// actors::Call submitted to the node; its reactor finishes when the session
// answers. Methods not built yet answer UNIMPLEMENTED (the generated default).
#include <memory>
#include <vector>

#include "actors/node.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::server {

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  explicit KvService(actors::Node& node) : node_(node) {}
  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext*, const etcdserverpb::RangeRequest*,
                                  etcdserverpb::RangeResponse*) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext*, const etcdserverpb::PutRequest*,
                                etcdserverpb::PutResponse*) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext*, const etcdserverpb::DeleteRangeRequest*,
                                        etcdserverpb::DeleteRangeResponse*) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext*, const etcdserverpb::TxnRequest*,
                                etcdserverpb::TxnResponse*) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext*, const etcdserverpb::CompactionRequest*,
                                    etcdserverpb::CompactionResponse*) override;

 private:
  actors::Node& node_;
};

class MaintenanceService final : public etcdserverpb::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(actors::Node& node) : node_(node) {}
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext*, const etcdserverpb::StatusRequest*,
                                   etcdserverpb::StatusResponse*) override;
  grpc::ServerUnaryReactor* Alarm(grpc::CallbackServerContext*, const etcdserverpb::AlarmRequest*,
                                  etcdserverpb::AlarmResponse*) override;
  grpc::ServerUnaryReactor* MoveLeader(grpc::CallbackServerContext*, const etcdserverpb::MoveLeaderRequest*,
                                       etcdserverpb::MoveLeaderResponse*) override;
  grpc::ServerUnaryReactor* HashKV(grpc::CallbackServerContext*, const etcdserverpb::HashKVRequest*,
                                   etcdserverpb::HashKVResponse*) override;
  grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* Snapshot(grpc::CallbackServerContext*,
                                                                     const etcdserverpb::SnapshotRequest*) override;

 private:
  actors::Node& node_;
};

class ClusterService final : public etcdserverpb::Cluster::CallbackService {
 public:
  explicit ClusterService(actors::Node& node) : node_(node) {}
  grpc::ServerUnaryReactor* MemberList(grpc::CallbackServerContext*, const etcdserverpb::MemberListRequest*,
                                       etcdserverpb::MemberListResponse*) override;
  grpc::ServerUnaryReactor* MemberAdd(grpc::CallbackServerContext*, const etcdserverpb::MemberAddRequest*,
                                      etcdserverpb::MemberAddResponse*) override;
  grpc::ServerUnaryReactor* MemberRemove(grpc::CallbackServerContext*, const etcdserverpb::MemberRemoveRequest*,
                                         etcdserverpb::MemberRemoveResponse*) override;
  grpc::ServerUnaryReactor* MemberUpdate(grpc::CallbackServerContext*, const etcdserverpb::MemberUpdateRequest*,
                                         etcdserverpb::MemberUpdateResponse*) override;
  grpc::ServerUnaryReactor* MemberPromote(grpc::CallbackServerContext*, const etcdserverpb::MemberPromoteRequest*,
                                          etcdserverpb::MemberPromoteResponse*) override;

 private:
  actors::Node& node_;
};

class LeaseService final : public etcdserverpb::Lease::CallbackService {
 public:
  explicit LeaseService(actors::Node& node) : node_(node) {}
  grpc::ServerUnaryReactor* LeaseGrant(grpc::CallbackServerContext*, const etcdserverpb::LeaseGrantRequest*,
                                       etcdserverpb::LeaseGrantResponse*) override;
  grpc::ServerUnaryReactor* LeaseRevoke(grpc::CallbackServerContext*, const etcdserverpb::LeaseRevokeRequest*,
                                        etcdserverpb::LeaseRevokeResponse*) override;
  grpc::ServerUnaryReactor* LeaseTimeToLive(grpc::CallbackServerContext*, const etcdserverpb::LeaseTimeToLiveRequest*,
                                            etcdserverpb::LeaseTimeToLiveResponse*) override;
  grpc::ServerUnaryReactor* LeaseLeases(grpc::CallbackServerContext*, const etcdserverpb::LeaseLeasesRequest*,
                                        etcdserverpb::LeaseLeasesResponse*) override;
  grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>* LeaseKeepAlive(
      grpc::CallbackServerContext*) override;

 private:
  actors::Node& node_;
};

class WatchService final : public etcdserverpb::Watch::CallbackService {
 public:
  explicit WatchService(actors::Node& node) : node_(node) {}
  grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>* Watch(
      grpc::CallbackServerContext*) override;

 private:
  actors::Node& node_;
};

// The services not built yet: every method answers UNIMPLEMENTED.
struct UnbuiltServices {
  etcdserverpb::Auth::CallbackService auth;
};

}  // namespace acord::server
