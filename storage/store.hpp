#pragma once
// The one seam between a node and its disk. Two implementations keep the same
// contract (tests/unit/store_contract_test.cpp runs against both):
//   RocksStore  - the data directory (storage/rocks_store.hpp)
//   MemoryStore - an in-memory twin for deterministic tests, which can also
//                 lose what was never synced, as a power cut would
//
// Contract:
//   - write() applies a WriteSet atomically: all of it or none of it.
//   - A write with sync=true returns only once it, and every write before it,
//     is durable. A write without sync may be lost in a power cut, but never
//     out of order: what survives is a prefix of the writes.
//   - New log entries replace the log from their first index on; trim_log
//     drops the entries below its first index.
//   - load() returns what was written, or fails naming the damaged record.
//   - value_at() reads one MVCC record's value as written so far (synced or
//     not), from any thread while writes go on: the MVCC store reads its
//     superseded values back from here.
#include <string>
#include <vector>

#include "core/mvcc/value_source.hpp"
#include "storage/codec.hpp"

namespace acord::storage {

// Everything a node needs to restart, read in one pass.
struct Loaded {
  std::optional<Identity> identity;
  std::uint64_t start_epoch = 0;  // starts so far (0: never started)
  raft::HardState hard_state;
  LogStart log_start;
  std::vector<raft::Entry> entries;  // log_start.first_index .. last
  ApplyState apply_state;
  std::vector<mvcc::Record> records;
  std::vector<LeaseRecord> leases;
};

// One atomic write: everything in it lands together or not at all.
struct WriteSet {
  std::optional<Identity> identity;
  std::optional<std::uint64_t> start_epoch;
  std::optional<raft::HardState> hard_state;
  std::vector<raft::Entry> entries;
  std::vector<mvcc::MirrorOp> mvcc_ops;
  std::vector<LeaseOp> lease_ops;
  std::optional<ApplyState> apply_state;
  std::optional<LogStart> trim_log;  // delete entries below first_index
  // Installing a snapshot: every MVCC record and lease goes first (mvcc_ops
  // and lease_ops then bring the snapshot's), and the log restarts empty
  // after reset_log's point.
  bool replace_mvcc = false;
  std::optional<LogStart> reset_log;
  bool sync = false;                 // durable before returning
  bool empty() const {
    return !identity && !start_epoch && !hard_state && entries.empty() && mvcc_ops.empty() && lease_ops.empty() && !apply_state && !trim_log &&
           !replace_mvcc && !reset_log;
  }
};

class Store : public mvcc::ValueSource {
 public:
  virtual ~Store() = default;
  // Reads the whole durable state (once, before the first write); false with
  // `error` naming the damaged record.
  virtual bool load(Loaded& out, std::string& error) = 0;
  // Applies `w` atomically; false with `error` set if the medium refused it.
  virtual bool write(const WriteSet& w, std::string& error) = 0;
  // Bytes the data takes on its medium.
  virtual std::uint64_t size_bytes() = 0;
};

}  // namespace acord::storage
