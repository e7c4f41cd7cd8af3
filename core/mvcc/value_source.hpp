#pragma once
// Where the MVCC store reads a superseded version's value once it no longer
// keeps it in memory: the durable mirror of its records (RocksDB in a node,
// an in-memory twin in tests). Only the newest version of each key stays in
// memory; older ones are wanted only by reads at a past revision, a watch that
// replays history, and snapshots.
#include <optional>
#include <string>

#include "core/mvcc/revision.hpp"

namespace acord::mvcc {

class ValueSource {
 public:
  virtual ~ValueSource() = default;
  // The value of the record stored at `revision`; nullopt if there is none.
  // Called from the thread that owns the store while another thread writes
  // the mirror: implementations must allow that.
  virtual std::optional<std::string> value_at(const Revision& revision) const = 0;
};

}  // namespace acord::mvcc
