#pragma once
// One client request as the actors see it: the request and the response to
// fill, owned by the front (gRPC) until `finish` is called, exactly once.
// The session answers through this callback and so never knows the front.
#include <functional>
#include <memory>

#include "core/kv/api_error.hpp"

namespace google::protobuf {
class Message;
}

namespace acord::actors {

enum class CallKind {
  range, put, delete_range, txn, compact, status, member_list, alarm, move_leader,
  lease_grant, lease_revoke, lease_time_to_live, lease_leases, hash_kv,
  member_add, member_remove, member_update, member_promote,
};

struct Call {
  CallKind kind = CallKind::range;
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  std::function<void(const ApiError&)> finish;
};
using CallPtr = std::shared_ptr<Call>;

}  // namespace acord::actors
