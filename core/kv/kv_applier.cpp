#include "core/kv/kv_applier.hpp"

#include <algorithm>

#include "core/limits.hpp"

namespace acord::kv {
namespace {

using namespace etcdserverpb;

ApiError from_mvcc(mvcc::Error e) {
  switch (e) {
    case mvcc::Error::compacted: return errors::compacted();
    case mvcc::Error::future_revision: return errors::future_revision();
    default: return errors::ok();
  }
}

// etcd's "end of range" convention: a single zero byte means "no upper bound".
bool is_from_key(const std::string& end) { return end.size() == 1 && end[0] == '\0'; }

int compare_i64(std::int64_t a, std::int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

}  // namespace

void to_proto(const mvcc::KeyValue& kv, mvccpb::KeyValue& out, bool keys_only) {
  out.set_key(kv.key);
  out.set_create_revision(kv.create_revision);
  out.set_mod_revision(kv.mod_revision);
  out.set_version(kv.version);
  if (!keys_only) out.set_value(kv.value);
  out.set_lease(kv.lease);
}

std::int64_t quota_cost(const PutRequest& r) {
  return static_cast<std::int64_t>(r.key().size() + r.value().size()) + limits::mvcc_record_overhead_bytes;
}

namespace {
std::int64_t ops_cost(const google::protobuf::RepeatedPtrField<RequestOp>& ops) {
  std::int64_t c = 0;
  for (const auto& op : ops) {
    if (op.has_request_put()) c += quota_cost(op.request_put());
    if (op.has_request_txn()) c += quota_cost(op.request_txn());
  }
  return c;
}
bool ops_read_only(const google::protobuf::RepeatedPtrField<RequestOp>& ops) {
  for (const auto& op : ops) {
    if (op.has_request_put() || op.has_request_delete_range()) return false;
    if (op.has_request_txn() && !txn_is_read_only(op.request_txn())) return false;
  }
  return true;
}
}  // namespace

std::int64_t quota_cost(const TxnRequest& r) { return std::max(ops_cost(r.success()), ops_cost(r.failure())); }

bool txn_is_read_only(const TxnRequest& r) { return ops_read_only(r.success()) && ops_read_only(r.failure()); }

KvApplier::KvApplier(mvcc::MvccStore& store, std::int64_t quota_bytes, lease::LeaseTable* leases)
    : store_(store), quota_bytes_(quota_bytes), leases_(leases) {}

void KvApplier::end_write() {
  auto ev = store_.end_write();
  if (leases_ != nullptr) {
    for (const auto& e : ev) {
      const std::int64_t before = e.prev_kv ? e.prev_kv->lease : 0;
      const std::int64_t after = e.type == mvcc::Event::Type::put ? e.kv.lease : 0;
      if (before == after) continue;
      if (before != 0) leases_->detach(before, e.kv.key);
      if (after != 0) leases_->attach(after, e.kv.key);
    }
  }
  events_.insert(events_.end(), std::make_move_iterator(ev.begin()), std::make_move_iterator(ev.end()));
}

ApiError KvApplier::lease_grant(const LeaseGrantRequest& r, LeaseGrantResponse& out, lease::Millis now) {
  if (leases_ == nullptr) return errors::lease_not_found();
  std::int64_t granted = 0;
  if (auto e = leases_->grant(r.id(), r.ttl(), now, &granted); !e.ok()) return e;
  out.set_id(r.id());
  out.set_ttl(granted);
  out.mutable_header()->set_revision(store_.current_revision());
  return errors::ok();
}

ApiError KvApplier::lease_revoke(const LeaseRevokeRequest& r, LeaseRevokeResponse& out) {
  std::vector<std::string> keys;
  if (leases_ == nullptr) return errors::lease_not_found();
  if (auto e = leases_->revoke(r.id(), &keys); !e.ok()) return e;
  if (!keys.empty()) {
    store_.begin_write();
    for (const auto& k : keys) store_.delete_range(k, "");
    end_write();
  }
  out.mutable_header()->set_revision(store_.current_revision());
  return errors::ok();
}

std::vector<mvcc::Event> KvApplier::take_events() { return std::move(events_); }

bool KvApplier::admits(std::int64_t cost) {
  if (cost <= 0) return true;
  if (no_space_) return false;
  if (store_.size_bytes() + cost > quota_bytes_) {
    no_space_ = true;  // raise NOSPACE, as etcd's quota check does
    return false;
  }
  return true;
}

ApiError KvApplier::range(const RangeRequest& r, RangeResponse& out) const { return range_in(r, out); }

ApiError KvApplier::range_in(const RangeRequest& r, RangeResponse& out) const {
  // Filters and sorting need every key in the range before the limit applies.
  const bool needs_all = r.sort_order() != RangeRequest::NONE || r.min_mod_revision() != 0 ||
                         r.max_mod_revision() != 0 || r.min_create_revision() != 0 ||
                         r.max_create_revision() != 0;
  mvcc::RangeOptions opts;
  opts.revision = r.revision();
  opts.count_only = r.count_only();
  opts.limit = (needs_all || r.limit() <= 0) ? 0 : r.limit() + 1;
  mvcc::RangeResult rr;
  if (auto e = store_.range(r.key(), is_from_key(r.range_end()) ? std::string_view("\0", 1) : r.range_end(), opts, rr);
      e != mvcc::Error::none) {
    return from_mvcc(e);
  }
  auto& kvs = rr.kvs;
  auto prune = [&](auto drop) { kvs.erase(std::remove_if(kvs.begin(), kvs.end(), drop), kvs.end()); };
  if (r.max_mod_revision() != 0) prune([&](const auto& kv) { return kv.mod_revision > r.max_mod_revision(); });
  if (r.min_mod_revision() != 0) prune([&](const auto& kv) { return kv.mod_revision < r.min_mod_revision(); });
  if (r.max_create_revision() != 0)
    prune([&](const auto& kv) { return kv.create_revision > r.max_create_revision(); });
  if (r.min_create_revision() != 0)
    prune([&](const auto& kv) { return kv.create_revision < r.min_create_revision(); });

  auto order = r.sort_order();
  if (r.sort_target() != RangeRequest::KEY && order == RangeRequest::NONE) order = RangeRequest::ASCEND;
  if (order != RangeRequest::NONE) {
    auto key_of = [&](const mvcc::KeyValue& kv) -> std::int64_t {
      switch (r.sort_target()) {
        case RangeRequest::VERSION: return kv.version;
        case RangeRequest::CREATE: return kv.create_revision;
        case RangeRequest::MOD: return kv.mod_revision;
        default: return 0;
      }
    };
    auto less = [&](const mvcc::KeyValue& a, const mvcc::KeyValue& b) {
      switch (r.sort_target()) {
        case RangeRequest::KEY: return a.key < b.key;
        case RangeRequest::VALUE: return a.value < b.value;
        default: return key_of(a) < key_of(b);
      }
    };
    if (order == RangeRequest::DESCEND) {
      std::stable_sort(kvs.begin(), kvs.end(), [&](const auto& a, const auto& b) { return less(b, a); });
    } else {
      std::stable_sort(kvs.begin(), kvs.end(), less);
    }
  }
  if (r.limit() > 0 && static_cast<std::int64_t>(kvs.size()) > r.limit()) {
    kvs.resize(static_cast<std::size_t>(r.limit()));
    out.set_more(true);
  }
  out.mutable_header()->set_revision(rr.revision);
  out.set_count(rr.count);
  for (const auto& kv : kvs) to_proto(kv, *out.add_kvs(), r.keys_only());
  return errors::ok();
}

ApiError KvApplier::put(const PutRequest& r, PutResponse& out) {
  if (r.lease() != 0 && !lease_exists(r.lease())) return errors::lease_not_found();
  if (!admits(quota_cost(r))) return errors::no_space();
  if (r.ignore_value() || r.ignore_lease()) {
    mvcc::RangeResult rr;
    store_.range(r.key(), "", {}, rr);
    if (rr.kvs.empty()) return errors::key_not_found();
  }
  store_.begin_write();
  put_in(r, out);
  end_write();
  return errors::ok();
}

void KvApplier::put_in(const PutRequest& r, PutResponse& out) {
  std::string_view value = r.value();  // not copied: the store makes the one copy it keeps
  std::int64_t lease = r.lease();
  mvcc::RangeResult rr;
  if (r.ignore_value() || r.ignore_lease() || r.prev_kv()) {
    store_.range(r.key(), "", {}, rr);
    if (!rr.kvs.empty()) {
      if (r.ignore_value()) value = rr.kvs[0].value;
      if (r.ignore_lease()) lease = rr.kvs[0].lease;
      if (r.prev_kv()) to_proto(rr.kvs[0], *out.mutable_prev_kv());
    }
  }
  store_.put(r.key(), value, lease);
  out.mutable_header()->set_revision(store_.write_revision());
}

ApiError KvApplier::delete_range(const DeleteRangeRequest& r, DeleteRangeResponse& out) {
  store_.begin_write();
  delete_in(r, out);
  end_write();
  return errors::ok();
}

void KvApplier::delete_in(const DeleteRangeRequest& r, DeleteRangeResponse& out) {
  auto end = is_from_key(r.range_end()) ? std::string_view("\0", 1) : std::string_view(r.range_end());
  auto deleted = store_.delete_range(r.key(), end);
  out.set_deleted(static_cast<std::int64_t>(deleted.size()));
  if (r.prev_kv()) {
    for (const auto& kv : deleted) to_proto(kv, *out.add_prev_kvs());
  }
  out.mutable_header()->set_revision(store_.write_changed_anything() ? store_.write_revision()
                                                                      : store_.current_revision());
}

bool KvApplier::compare(const Compare& c) const {
  mvcc::RangeResult rr;
  auto end = is_from_key(c.range_end()) ? std::string_view("\0", 1) : std::string_view(c.range_end());
  if (store_.range(c.key(), end, {}, rr) != mvcc::Error::none) return false;
  auto one = [&](const mvcc::KeyValue& kv) {
    int result = 0;
    switch (c.target()) {
      case Compare::VALUE: result = kv.value.compare(c.value()) < 0 ? -1 : (kv.value == c.value() ? 0 : 1); break;
      case Compare::CREATE: result = compare_i64(kv.create_revision, c.create_revision()); break;
      case Compare::MOD: result = compare_i64(kv.mod_revision, c.mod_revision()); break;
      case Compare::VERSION: result = compare_i64(kv.version, c.version()); break;
      case Compare::LEASE: result = compare_i64(kv.lease, c.lease()); break;
      default: break;
    }
    switch (c.result()) {
      case Compare::EQUAL: return result == 0;
      case Compare::NOT_EQUAL: return result != 0;
      case Compare::GREATER: return result > 0;
      case Compare::LESS: return result < 0;
      default: return true;
    }
  };
  // A missing key compares as an all-zero record, except on its value, which
  // no comparison can match (etcd: applyCompare).
  if (rr.kvs.empty()) return c.target() != Compare::VALUE && one(mvcc::KeyValue{});
  return std::all_of(rr.kvs.begin(), rr.kvs.end(), one);
}

// Every compare of the txn and of the nested txns on the taken branches is
// evaluated against the state before the txn writes anything.
void KvApplier::path_of(const TxnRequest& r, std::vector<bool>& path) const {
  const bool ok = std::all_of(r.compare().begin(), r.compare().end(), [&](const Compare& c) { return compare(c); });
  path.push_back(ok);
  for (const auto& op : ok ? r.success() : r.failure()) {
    if (op.has_request_txn()) path_of(op.request_txn(), path);
  }
}

ApiError KvApplier::check_path(const TxnRequest& r, const std::vector<bool>& path, std::size_t& at) const {
  const bool ok = path[at++];
  for (const auto& op : ok ? r.success() : r.failure()) {
    if (op.has_request_txn()) {
      if (auto e = check_path(op.request_txn(), path, at); !e.ok()) return e;
    } else if (op.has_request_put()) {
      const auto& p = op.request_put();
      if (p.ignore_value() || p.ignore_lease()) {
        mvcc::RangeResult rr;
        store_.range(p.key(), "", {}, rr);
        if (rr.kvs.empty()) return errors::key_not_found();
      }
      if (p.lease() != 0 && !lease_exists(p.lease())) return errors::lease_not_found();
    } else if (op.has_request_range()) {
      const auto rev = op.request_range().revision();
      if (rev > store_.current_revision()) return errors::future_revision();
      if (rev != 0 && rev < store_.compacted_revision()) return errors::compacted();
    }
  }
  return errors::ok();
}

void KvApplier::apply_path(const TxnRequest& r, const std::vector<bool>& path, std::size_t& at, TxnResponse& out) {
  const bool ok = path[at++];
  out.set_succeeded(ok);
  for (const auto& op : ok ? r.success() : r.failure()) {
    auto* resp = out.add_responses();
    switch (op.request_case()) {
      case RequestOp::kRequestRange: range_in(op.request_range(), *resp->mutable_response_range()); break;
      case RequestOp::kRequestPut: put_in(op.request_put(), *resp->mutable_response_put()); break;
      case RequestOp::kRequestDeleteRange:
        delete_in(op.request_delete_range(), *resp->mutable_response_delete_range());
        break;
      case RequestOp::kRequestTxn: {
        auto* inner = resp->mutable_response_txn();
        apply_path(op.request_txn(), path, at, *inner);
        break;
      }
      default: break;
    }
  }
}

ApiError KvApplier::txn(const TxnRequest& r, TxnResponse& out) {
  if (txn_is_read_only(r)) return read_txn(r, out);
  std::vector<bool> path;
  path_of(r, path);
  std::size_t at = 0;
  if (auto e = check_path(r, path, at); !e.ok()) return e;
  if (!admits(quota_cost(r))) return errors::no_space();
  store_.begin_write();
  at = 0;
  apply_path(r, path, at, out);
  std::int64_t rev = store_.current_revision();
  if (store_.write_changed_anything()) rev = store_.write_revision();
  end_write();
  out.mutable_header()->set_revision(rev);
  return errors::ok();
}

ApiError KvApplier::read_txn(const TxnRequest& r, TxnResponse& out) const {
  std::vector<bool> path;
  path_of(r, path);
  std::size_t at = 0;
  if (auto e = check_path(r, path, at); !e.ok()) return e;
  at = 0;
  read_path(r, path, at, out);
  out.mutable_header()->set_revision(store_.current_revision());
  return errors::ok();
}

void KvApplier::read_path(const TxnRequest& r, const std::vector<bool>& path, std::size_t& at,
                          TxnResponse& out) const {
  const bool ok = path[at++];
  out.set_succeeded(ok);
  for (const auto& op : ok ? r.success() : r.failure()) {
    auto* resp = out.add_responses();
    if (op.has_request_range()) {
      range_in(op.request_range(), *resp->mutable_response_range());
    } else if (op.has_request_txn()) {
      read_path(op.request_txn(), path, at, *resp->mutable_response_txn());
    }
  }
}

ApiError KvApplier::compact(const CompactionRequest& r, CompactionResponse& out) {
  if (auto e = store_.compact(r.revision()); e != mvcc::Error::none) return from_mvcc(e);
  out.mutable_header()->set_revision(store_.current_revision());
  return errors::ok();
}

}  // namespace acord::kv
