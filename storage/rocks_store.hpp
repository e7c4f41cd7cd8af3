#pragma once
// acord's data directory: one RocksDB database with four column families.
//   raft_log    index (8 bytes, big-endian) -> entry
//   raft_state  "hard_state" -> term, vote, commit; "log_start" -> first index after trimming
//   mvcc        revision (main, sub; 16 bytes big-endian) -> key-value record or tombstone
//   meta        "identity" -> member and cluster id; "apply_state" -> applied index, revisions,
//               alarms, membership
// Only the storage actor writes here (group commit); start-up reads before it runs.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/codec.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace acord::storage {

// Everything a node needs to restart, read in one pass.
struct Loaded {
  std::optional<Identity> identity;
  raft::HardState hard_state;
  LogStart log_start;
  std::vector<raft::Entry> entries;  // log_start.first_index .. last
  ApplyState apply_state;
  std::vector<mvcc::Record> records;
};

// One atomic write: everything in it lands together or not at all.
struct WriteSet {
  std::optional<Identity> identity;
  std::optional<raft::HardState> hard_state;
  std::vector<raft::Entry> entries;
  std::vector<mvcc::MirrorOp> mvcc_ops;
  std::optional<ApplyState> apply_state;
  std::optional<LogStart> trim_log;  // delete entries below first_index
  bool sync = false;                 // fsync before returning
  bool empty() const {
    return !identity && !hard_state && entries.empty() && mvcc_ops.empty() && !apply_state && !trim_log;
  }
};

class RocksStore {
 public:
  // Opens (creating if needed) the database under `dir`. On failure returns
  // nullptr and sets `error`.
  static std::unique_ptr<RocksStore> open(const std::string& dir, std::string& error);
  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Reads the whole durable state (call once, before the first write). A record that does not decode is reported
  // in `error` (the node refuses to start on a damaged directory).
  bool load(Loaded& out, std::string& error);
  // Applies `w` atomically; false with `error` set if RocksDB refused it.
  bool write(const WriteSet& w, std::string& error);
  // Bytes the database takes on disk (SST files and live memtables).
  std::uint64_t disk_size_bytes();

 private:
  RocksStore() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // raft_log, raft_state, mvcc, meta
  raft::Index last_log_index_ = 0;                 // the log's last entry on disk
};

}  // namespace acord::storage
