#include "core/kv/request_checks.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace acord::kv {
namespace {

using etcdserverpb::RequestOp;
using Ops = google::protobuf::RepeatedPtrField<RequestOp>;

ApiError check_op(const RequestOp& op, int max_txn_ops) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange: return check_range(op.request_range());
    case RequestOp::kRequestPut: return check_put(op.request_put());
    case RequestOp::kRequestDeleteRange: return check_delete(op.request_delete_range());
    case RequestOp::kRequestTxn: return check_txn(op.request_txn(), max_txn_ops);
    default: return errors::key_not_found();  // an op with no request, as etcd answers
  }
}

// Deleted intervals: [key, end) with end "" meaning the single key and "\0"
// meaning every key from `key` on.
struct Interval {
  std::string key, end;
  bool contains(const std::string& k) const {
    if (end.empty()) return k == key;
    if (end.size() == 1 && end[0] == '\0') return k >= key;
    return k >= key && k < end;
  }
};

struct Writes {
  std::set<std::string> puts;
  std::vector<Interval> dels;
  bool deletes(const std::string& k) const {
    return std::any_of(dels.begin(), dels.end(), [&](const Interval& i) { return i.contains(k); });
  }
};

// One branch may not put a key twice, nor put a key it also deletes; the two
// branches of a nested txn are exclusive, so they may each put the same key.
ApiError check_intervals(const Ops& ops, Writes& out) {
  for (const auto& op : ops) {
    if (op.request_case() == RequestOp::kRequestDeleteRange) {
      const auto& d = op.request_delete_range();
      out.dels.push_back(Interval{d.key(), d.range_end()});
    }
  }
  for (const auto& op : ops) {
    if (op.request_case() != RequestOp::kRequestTxn) continue;
    Writes then_w, else_w;
    if (auto e = check_intervals(op.request_txn().success(), then_w); !e.ok()) return e;
    if (auto e = check_intervals(op.request_txn().failure(), else_w); !e.ok()) return e;
    for (const auto& k : then_w.puts) {
      if (out.puts.count(k) || out.deletes(k)) return errors::duplicate_key();
      out.puts.insert(k);
    }
    for (const auto& k : else_w.puts) {
      if (out.puts.count(k) && !then_w.puts.count(k)) return errors::duplicate_key();
      if (out.deletes(k)) return errors::duplicate_key();
      out.puts.insert(k);
    }
    out.dels.insert(out.dels.end(), then_w.dels.begin(), then_w.dels.end());
    out.dels.insert(out.dels.end(), else_w.dels.begin(), else_w.dels.end());
  }
  for (const auto& op : ops) {
    if (op.request_case() != RequestOp::kRequestPut) continue;
    const std::string& k = op.request_put().key();
    if (out.puts.count(k) || out.deletes(k)) return errors::duplicate_key();
    out.puts.insert(k);
  }
  return errors::ok();
}

}  // namespace

ApiError check_range(const etcdserverpb::RangeRequest& r) {
  return r.key().empty() ? errors::empty_key() : errors::ok();
}

ApiError check_put(const etcdserverpb::PutRequest& r) {
  if (r.key().empty()) return errors::empty_key();
  if (r.ignore_value() && !r.value().empty()) return errors::value_provided();
  if (r.ignore_lease() && r.lease() != 0) return errors::lease_provided();
  return errors::ok();
}

ApiError check_delete(const etcdserverpb::DeleteRangeRequest& r) {
  return r.key().empty() ? errors::empty_key() : errors::ok();
}

ApiError check_txn(const etcdserverpb::TxnRequest& r, int max_txn_ops) {
  const int opc = std::max({r.compare_size(), r.success_size(), r.failure_size()});
  if (opc > max_txn_ops) return errors::too_many_ops();
  for (const auto& c : r.compare()) {
    if (c.key().empty()) return errors::empty_key();
  }
  for (const auto& op : r.success()) {
    if (auto e = check_op(op, max_txn_ops - opc); !e.ok()) return e;
  }
  for (const auto& op : r.failure()) {
    if (auto e = check_op(op, max_txn_ops - opc); !e.ok()) return e;
  }
  Writes success, failure;
  if (auto e = check_intervals(r.success(), success); !e.ok()) return e;
  return check_intervals(r.failure(), failure);
}

}  // namespace acord::kv
