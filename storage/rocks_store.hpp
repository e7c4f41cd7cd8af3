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

#include "storage/store.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace acord::storage {

class RocksStore final : public Store {
 public:
  // Opens (creating if needed) the database under `dir`. On failure returns
  // nullptr and sets `error`.
  static std::unique_ptr<RocksStore> open(const std::string& dir, std::string& error);
  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  bool load(Loaded& out, std::string& error) override;
  bool write(const WriteSet& w, std::string& error) override;
  // SST files and live memtables.
  std::uint64_t size_bytes() override;
  std::optional<std::string> value_at(const mvcc::Revision& revision) const override;

 private:
  RocksStore() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // raft_log, raft_state, mvcc, meta
  raft::Index last_log_index_ = 0;                 // the log's last entry on disk
};

}  // namespace acord::storage
