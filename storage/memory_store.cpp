#include "storage/memory_store.hpp"

namespace acord::storage {

bool MemoryStore::load(Loaded& out, std::string& error) {
  std::lock_guard lock(mutex_);
  out = Loaded{};
  out.identity = current_.identity;
  out.start_epoch = current_.start_epoch;
  out.hard_state = current_.hard_state;
  out.log_start = current_.log_start;
  raft::Index expect = current_.log_start.first_index;
  for (auto it = current_.log.lower_bound(expect); it != current_.log.end(); ++it, ++expect) {
    if (it->first != expect) return error = "raft log has a gap before entry " + std::to_string(it->first), false;
    out.entries.push_back(it->second);
  }
  out.apply_state = current_.apply_state;
  for (const auto& [rev, rec] : current_.mvcc) out.records.push_back(rec);
  for (const auto& [id, l] : current_.leases) out.leases.push_back(l);
  return true;
}

bool MemoryStore::write(const WriteSet& w, std::string&) {
  std::unique_lock lock(mutex_);
  auto& s = current_;
  if (w.replace_mvcc) {
    s.mvcc.clear();
    s.leases.clear();
  }
  if (w.reset_log) {
    s.log.clear();
    s.log_start = *w.reset_log;
  }
  if (w.identity) s.identity = w.identity;
  if (w.start_epoch) s.start_epoch = *w.start_epoch;
  if (w.hard_state) s.hard_state = *w.hard_state;
  if (!w.entries.empty()) {
    s.log.erase(s.log.lower_bound(w.entries.front().index), s.log.end());
    for (const auto& e : w.entries) s.log[e.index] = e;
  }
  for (const auto& op : w.mvcc_ops) {
    if (op.remove) {
      s.mvcc.erase(op.record.revision);
    } else {
      s.mvcc[op.record.revision] = op.record;
    }
  }
  for (const auto& op : w.lease_ops) {
    if (op.remove) {
      s.leases.erase(op.lease.id);
    } else {
      s.leases[op.lease.id] = op.lease;
    }
  }
  if (w.apply_state) s.apply_state = *w.apply_state;
  if (w.trim_log) {
    s.log_start = *w.trim_log;
    s.log.erase(s.log.begin(), s.log.lower_bound(w.trim_log->first_index));
  }
  if (w.sync) durable_ = current_;
  lock.unlock();
  if (on_write) on_write(w);
  return true;
}

std::optional<std::string> MemoryStore::value_at(const mvcc::Revision& revision) const {
  std::lock_guard lock(mutex_);
  ++value_reads_;
  auto it = current_.mvcc.find(revision);
  if (it == current_.mvcc.end()) return std::nullopt;
  return it->second.kv.value;
}

std::uint64_t MemoryStore::size_bytes() {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [i, e] : current_.log) n += e.data.size() + 24;
  for (const auto& [r, rec] : current_.mvcc) n += rec.kv.key.size() + rec.kv.value.size() + 48;
  return n;
}

}  // namespace acord::storage
