#include "storage/rocks_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cstdio>

#include "core/limits.hpp"

namespace acord::storage {
namespace {
enum Cf { raft_log = 0, raft_state = 1, mvcc_cf = 2, meta = 3, lease_cf = 4 };
const char* const cf_names[] = {"raft_log", "raft_state", "mvcc", "meta", "lease"};
const char* const hard_state_key = "hard_state";
const char* const log_start_key = "log_start";
const char* const identity_key = "identity";
const char* const apply_state_key = "apply_state";
const char* const start_epoch_key = "start_epoch";
}  // namespace

std::unique_ptr<RocksStore> RocksStore::open(const std::string& dir, std::string& error) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  // Small machines: two background jobs are plenty for a coordination store.
  options.max_background_jobs = 2;
  // Memory: RocksDB's defaults (64 MiB memtables per column family, a block
  // cache per family) would triple a small node's footprint. The families
  // share one small cache: reads are served from the in-memory MVCC store.
  // All families' memtables together stay under one budget (the log's and the
  // MVCC records' would otherwise each fill their own, holding every recent
  // value twice more beside the MVCC store's copy); a full budget flushes.
  options.db_write_buffer_size = limits::rocksdb_memtables_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(8 << 20);
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = limits::rocksdb_memtables_bytes / 2;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const char* name : cf_names) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir, descriptors, &handles, &db);
  if (!s.ok()) {
    error = "cannot open the data directory " + dir + ": " + s.ToString();
    return nullptr;
  }
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->db_ = db;
  store->cfs_.assign(handles.begin() + 1, handles.end());
  db->DestroyColumnFamilyHandle(handles[0]);
  return store;
}

RocksStore::~RocksStore() {
  if (db_ == nullptr) return;
  for (auto* h : cfs_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
  delete db_;
}

std::optional<std::string> RocksStore::value_at(const mvcc::Revision& revision) const {
  const std::string key = revision_key(revision);
  std::string v;
  std::optional<mvcc::Record> r;
  if (db_->Get(rocksdb::ReadOptions(), cfs_[mvcc_cf], key, &v).ok()) r = decode_record(key, v);
  // Every superseded value is read from here: a miss is a lost or damaged
  // record, which no retry will bring back (the store stops the member).
  if (!r) return std::nullopt;
  return std::move(r->kv.value);
}

bool RocksStore::load(Loaded& out, std::string& error) {
  out = Loaded{};
  std::string v;
  auto get = [&](Cf cf, const char* key) { return db_->Get(rocksdb::ReadOptions(), cfs_[cf], key, &v).ok(); };
  if (get(meta, identity_key)) {
    out.identity = decode_identity(v);
    if (!out.identity) return error = "damaged record meta/identity", false;
  }
  if (get(meta, start_epoch_key)) {
    auto epoch = decode_start_epoch(v);
    if (!epoch) return error = "damaged record meta/start_epoch", false;
    out.start_epoch = *epoch;
  }
  if (get(raft_state, hard_state_key)) {
    auto hs = decode_hard_state(v);
    if (!hs) return error = "damaged record raft_state/hard_state", false;
    out.hard_state = *hs;
  }
  if (get(raft_state, log_start_key)) {
    auto ls = decode_log_start(v);
    if (!ls) return error = "damaged record raft_state/log_start", false;
    out.log_start = *ls;
  }
  if (get(meta, apply_state_key)) {
    auto as = decode_apply_state(v);
    if (!as) return error = "damaged record meta/apply_state", false;
    out.apply_state = std::move(*as);
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[raft_log]));
  raft::Index expect = out.log_start.first_index;
  for (it->Seek(index_key(out.log_start.first_index)); it->Valid(); it->Next()) {
    const auto index = index_from_key(it->key().ToString());
    auto e = decode_entry(index, it->value().ToString());
    if (!e) return error = "damaged raft log entry " + std::to_string(index), false;
    if (index != expect) return error = "raft log has a gap before entry " + std::to_string(index), false;
    out.entries.push_back(std::move(*e));
    ++expect;
  }
  last_log_index_ = expect - 1;
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), cfs_[mvcc_cf]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto r = decode_record(it->key().ToString(), it->value().ToString());
    if (!r) return error = "damaged mvcc record", false;
    out.records.push_back(std::move(*r));
  }
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), cfs_[lease_cf]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto l = decode_lease(it->key().ToString(), it->value().ToString());
    if (!l) return error = "damaged lease record", false;
    out.leases.push_back(*l);
  }
  return true;
}

bool RocksStore::write(const WriteSet& w, std::string& error) {
  rocksdb::WriteBatch batch;
  if (w.replace_mvcc) {
    batch.DeleteRange(cfs_[mvcc_cf], std::string(16, '\0'), std::string(17, '\xff'));
    batch.DeleteRange(cfs_[lease_cf], std::string(8, '\0'), std::string(9, '\xff'));
  }
  if (w.reset_log) {
    batch.DeleteRange(cfs_[raft_log], index_key(0), index_key(~raft::Index{0}));
    batch.Put(cfs_[raft_state], log_start_key, encode(*w.reset_log));
  }
  if (w.identity) batch.Put(cfs_[meta], identity_key, encode(*w.identity));
  if (w.start_epoch) batch.Put(cfs_[meta], start_epoch_key, encode_start_epoch(*w.start_epoch));
  if (w.hard_state) batch.Put(cfs_[raft_state], hard_state_key, encode(*w.hard_state));
  if (!w.entries.empty()) {
    // Entries replace whatever the log held from the first new index on. Only
    // a conflicting tail needs deleting: a range tombstone on every append
    // would cost RocksDB dearly in flushes and memory.
    const auto first = w.entries.front().index;
    if (first <= last_log_index_ && !w.reset_log) {
      batch.DeleteRange(cfs_[raft_log], index_key(first), index_key(last_log_index_ + 1));
    }
    for (const auto& e : w.entries) batch.Put(cfs_[raft_log], index_key(e.index), encode(e));
  }
  for (const auto& op : w.mvcc_ops) {
    if (op.remove) {
      batch.Delete(cfs_[mvcc_cf], revision_key(op.record.revision));
    } else {
      batch.Put(cfs_[mvcc_cf], revision_key(op.record.revision), encode(op.record));
    }
  }
  for (const auto& op : w.lease_ops) {
    if (op.remove) {
      batch.Delete(cfs_[lease_cf], lease_key(op.lease.id));
    } else {
      batch.Put(cfs_[lease_cf], lease_key(op.lease.id), encode(op.lease));
    }
  }
  if (w.apply_state) batch.Put(cfs_[meta], apply_state_key, encode(*w.apply_state));
  if (w.trim_log) {
    batch.Put(cfs_[raft_state], log_start_key, encode(*w.trim_log));
    batch.DeleteRange(cfs_[raft_log], index_key(0), index_key(w.trim_log->first_index));
  }
  rocksdb::WriteOptions options;
  options.sync = w.sync;
  auto s = db_->Write(options, &batch);
  if (!s.ok()) {
    error = s.ToString();
    return false;
  }
  if (w.reset_log) last_log_index_ = w.reset_log->first_index - 1;
  if (!w.entries.empty()) last_log_index_ = w.entries.back().index;
  return true;
}

std::uint64_t RocksStore::size_bytes() {
  std::uint64_t total = 0, v = 0;
  for (auto* cf : cfs_) {
    if (db_->GetIntProperty(cf, "rocksdb.total-sst-files-size", &v)) total += v;
    if (db_->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
  }
  return total;
}

}  // namespace acord::storage
