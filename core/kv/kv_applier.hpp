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
#include <vector>

#include "core/kv/api_error.hpp"
#include "core/lease/lease_table.hpp"
#include "core/mvcc/mvcc_store.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::kv {

class KvApplier {
 public:
  // `leases` holds the granted leases; keys put with a lease are attached to
  // it here. Without a table no lease exists.
  KvApplier(mvcc::MvccStore& store, std::int64_t quota_bytes, lease::LeaseTable* leases = nullptr);

  ApiError range(const etcdserverpb::RangeRequest& r, etcdserverpb::RangeResponse& out) const;
  ApiError put(const etcdserverpb::PutRequest& r, etcdserverpb::PutResponse& out);
  ApiError delete_range(const etcdserverpb::DeleteRangeRequest& r, etcdserverpb::DeleteRangeResponse& out);
  ApiError txn(const etcdserverpb::TxnRequest& r, etcdserverpb::TxnResponse& out);
  // A txn that writes nothing (txn_is_read_only): safe beside other readers.
  ApiError read_txn(const etcdserverpb::TxnRequest& r, etcdserverpb::TxnResponse& out) const;
  ApiError compact(const etcdserverpb::CompactionRequest& r, etcdserverpb::CompactionResponse& out);
  // Leases, applied from the log: a grant's id was chosen before proposing
  // (so every member grants the same one); a revocation deletes every key
  // attached to the lease in one revision. `now` is this member's clock.
  ApiError lease_grant(const etcdserverpb::LeaseGrantRequest& r, etcdserverpb::LeaseGrantResponse& out,
                       lease::Millis now);
  ApiError lease_revoke(const etcdserverpb::LeaseRevokeRequest& r, etcdserverpb::LeaseRevokeResponse& out);

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
  // The taken branches' ops checked before anything is applied (a read-only
  // txn has no put on any branch, so only its ranges are checked).
  ApiError check_path(const etcdserverpb::TxnRequest& r, const std::vector<bool>& path, std::size_t& at) const;
  void apply_path(const etcdserverpb::TxnRequest& r, const std::vector<bool>& path, std::size_t& at,
                  etcdserverpb::TxnResponse& out);
  void read_path(const etcdserverpb::TxnRequest& r, const std::vector<bool>& path, std::size_t& at,
                 etcdserverpb::TxnResponse& out) const;
  bool admits(std::int64_t cost);
  bool lease_exists(std::int64_t id) const { return leases_ != nullptr && leases_->exists(id); }
  // Ends the open write: its events go to the watchers, and each key follows
  // the lease it was last put with.
  void end_write();

  mvcc::MvccStore& store_;
  std::int64_t quota_bytes_;
  lease::LeaseTable* leases_;
  bool no_space_ = false;
  std::vector<mvcc::Event> events_;
};

// A stored key-value as etcd's mvccpb.KeyValue (without its value for keys_only).
void to_proto(const mvcc::KeyValue& kv, mvccpb::KeyValue& out, bool keys_only = false);

// Bytes a request would add to the store, as counted against the quota.
std::int64_t quota_cost(const etcdserverpb::PutRequest& r);
std::int64_t quota_cost(const etcdserverpb::TxnRequest& r);
// True when no branch of the txn (at any depth) writes.
bool txn_is_read_only(const etcdserverpb::TxnRequest& r);

}  // namespace acord::kv
