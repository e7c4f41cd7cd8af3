#pragma once
// Checks a request must pass before it is proposed, as etcd's gRPC layer makes
// them (etcd: etcdserver/api/v3rpc/key.go): empty keys, txn size, overlapping
// writes inside one txn. Pure: no store is consulted.
#include "core/kv/api_error.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::kv {

ApiError check_range(const etcdserverpb::RangeRequest& r);
ApiError check_put(const etcdserverpb::PutRequest& r);
ApiError check_delete(const etcdserverpb::DeleteRangeRequest& r);
ApiError check_txn(const etcdserverpb::TxnRequest& r, int max_txn_ops);

}  // namespace acord::kv
