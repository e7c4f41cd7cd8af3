#pragma once
// etcd's client-visible errors: the gRPC status code and the exact text etcd
// sends (etcd: etcdserver/api/v3rpc/rpctypes/error.go), so clients that match on
// either keep working. Codes are gRPC's numeric codes; the core has no gRPC.
#include <string>

namespace acord {

enum class StatusCode : int {
  ok = 0,
  canceled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  data_loss = 15,
  unauthenticated = 16,
};

struct ApiError {
  StatusCode code = StatusCode::ok;
  std::string message;
  bool ok() const { return code == StatusCode::ok; }
  friend bool operator==(const ApiError& a, const ApiError& b) {
    return a.code == b.code && a.message == b.message;
  }
};

namespace errors {
inline ApiError ok() { return {}; }
inline ApiError empty_key() { return {StatusCode::invalid_argument, "etcdserver: key is not provided"}; }
inline ApiError key_not_found() { return {StatusCode::invalid_argument, "etcdserver: key not found"}; }
inline ApiError value_provided() { return {StatusCode::invalid_argument, "etcdserver: value is provided"}; }
inline ApiError lease_provided() { return {StatusCode::invalid_argument, "etcdserver: lease is provided"}; }
inline ApiError too_many_ops() {
  return {StatusCode::invalid_argument, "etcdserver: too many operations in txn request"};
}
inline ApiError duplicate_key() {
  return {StatusCode::invalid_argument, "etcdserver: duplicate key given in txn request"};
}
inline ApiError compacted() {
  return {StatusCode::out_of_range, "etcdserver: mvcc: required revision has been compacted"};
}
inline ApiError future_revision() {
  return {StatusCode::out_of_range, "etcdserver: mvcc: required revision is a future revision"};
}
inline ApiError no_space() {
  return {StatusCode::resource_exhausted, "etcdserver: mvcc: database space exceeded"};
}
inline ApiError request_too_large() {
  return {StatusCode::invalid_argument, "etcdserver: request is too large"};
}
inline ApiError too_many_requests() {
  return {StatusCode::resource_exhausted, "etcdserver: too many requests"};
}
inline ApiError lease_not_found() { return {StatusCode::not_found, "etcdserver: requested lease not found"}; }
inline ApiError lease_exists() { return {StatusCode::failed_precondition, "etcdserver: lease already exists"}; }
inline ApiError lease_ttl_too_large() { return {StatusCode::out_of_range, "etcdserver: too large lease TTL"}; }
inline ApiError no_leader() { return {StatusCode::unavailable, "etcdserver: no leader"}; }
inline ApiError timeout() { return {StatusCode::unavailable, "etcdserver: request timed out"}; }
inline ApiError stopped() { return {StatusCode::unavailable, "etcdserver: server stopped"}; }
inline ApiError not_capable() { return {StatusCode::unavailable, "etcdserver: not capable"}; }
inline ApiError member_not_found() { return {StatusCode::not_found, "etcdserver: member not found"}; }
inline ApiError member_exists() { return {StatusCode::failed_precondition, "etcdserver: member ID already exist"}; }
inline ApiError peer_url_exists() { return {StatusCode::failed_precondition, "etcdserver: Peer URLs already exists"}; }
inline ApiError member_bad_urls() {
  return {StatusCode::invalid_argument, "etcdserver: given member URLs are invalid"};
}
inline ApiError not_enough_started_members() {
  return {StatusCode::failed_precondition,
          "etcdserver: re-configuration failed due to not enough started members"};
}
inline ApiError member_not_learner() {
  return {StatusCode::failed_precondition, "etcdserver: can only promote a learner member"};
}
inline ApiError not_leader() { return {StatusCode::failed_precondition, "etcdserver: not leader"}; }
inline ApiError bad_leader_transferee() {
  return {StatusCode::failed_precondition, "etcdserver: bad leader transferee"};
}
inline ApiError leader_transfer_timeout() {
  return {StatusCode::unavailable, "etcdserver: request timed out, leader transfer took too long"};
}
}  // namespace errors

}  // namespace acord
