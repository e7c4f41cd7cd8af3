#pragma once
// etcd's KV semantics over the MVCC store: Range (filters, sort, limit),
// Put (prev_kv, ignore_value, ignore_lease), DeleteRange, Txn (compares on
// value, version, create/mod revision and lease; nested txns), Compaction, and
// the backend quota with its NOSPACE alarm (etcd: etcdserver/apply.go, quota.go).
//
// Pure and deterministic: every member applies the same log to the same state
// and gets the same answers. Response headers get only their revision here;
// the node fills in cluster, member and term.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/kv/api_error.hpp"
#include "core/mvcc/mvcc_store.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::kv {

class KvApplier {
 public:
  // `lease_exists` answers whether a lease id is granted (leases arrive in a
  // later layer; until then no lease exists).
  KvApplier(mvcc::MvccStore& store, std::int64_t quota_bytes,
            std::function<bool(std::int64_t)> lease_exists = nullptr);

  ApiError range(const etcdserverpb::RangeRequest& r, etcdserverpb::RangeResponse& out) const;
  ApiError put(const etcdserverpb::PutRequest& r, etcdserverpb::PutResponse& out);
  ApiError delete_range(const etcdserverpb::DeleteRangeRequest& r, etcdserverpb::DeleteRangeResponse& out);
  ApiError txn(const etcdserverpb::TxnRequest& r, etcdserverpb::TxnResponse& out);
  ApiError compact(const etcdserverpb::CompactionRequest& r, etcdserverpb::CompactionResponse& out);

  // The NOSPACE alarm: raised when a write would pass the quota; while it is
  // raised every write that adds data fails with "database space exceeded".
  bool no_space() const { return no_space_; }
  void set_no_space(bool raised) { no_space_ = raised; }
  std::int64_t quota_bytes() const { return quota_bytes_; }

  // Events of the writes applied since the last call (for watchers).
  std::vector<mvcc::Event> take_events();

 private:
  ApiError range_in(const etcdserverpb::RangeRequest& r, etcdserverpb::RangeResponse& out) const;
  void put_in(const etcdserverpb::PutRequest& r, etcdserverpb::PutResponse& out);
  void delete_in(const etcdserverpb::DeleteRangeRequest& r, etcdserverpb::DeleteRangeResponse& out);
  bool compare(const etcdserverpb::Compare& c) const;
  void path_of(const etcdserverpb::TxnRequest& r, std::vector<bool>& path) const;
  ApiError check_path(const etcdserverpb::TxnRequest& r, const std::vector<bool>& path, std::size_t& at,
                      bool writes) const;
  void apply_path(const etcdserverpb::TxnRequest& r, const std::vector<bool>& path, std::size_t& at,
                  etcdserverpb::TxnResponse& out);
  bool admits(std::int64_t cost);

  mvcc::MvccStore& store_;
  std::int64_t quota_bytes_;
  std::function<bool(std::int64_t)> lease_exists_;
  bool no_space_ = false;
  std::vector<mvcc::Event> events_;
};

// Bytes a request would add to the store, as counted against the quota.
std::int64_t quota_cost(const etcdserverpb::PutRequest& r);
std::int64_t quota_cost(const etcdserverpb::TxnRequest& r);
// True when no branch of the txn (at any depth) writes.
bool txn_is_read_only(const etcdserverpb::TxnRequest& r);

}  // namespace acord::kv
