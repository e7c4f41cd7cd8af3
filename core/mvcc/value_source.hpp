#pragma once
// Where the MVCC store reads a superseded version's value once it no longer
// keeps it in memory: the durable mirror of its records (RocksDB in a node,
// an in-memory twin in tests). Only the newest version of each key stays in
// memory; older ones are wanted only by reads at a past revision, a watch that
// replays history, and snapshots.
#include <optional>
#include <stdexcept>
#include <string>

#include "core/mvcc/revision.hpp"

namespace acord::mvcc {

class ValueSource {
 public:
  virtual ~ValueSource() = default;
  // The value of the record stored at `revision`; nullopt if there is none.
  // Called from the thread that owns the store, and from client threads
  // reading it side by side (actors/shared_machine.hpp), while another thread
  // writes the mirror: implementations must allow that.
  virtual std::optional<std::string> value_at(const Revision& revision) const = 0;
};

// A value the store indexes and its source does not hold: the data directory
// lost or damaged a record it had acknowledged. No read may go on as if the
// value were empty (a read at a past revision, a watch's prev_kv and a
// snapshot to a follower would serve it): the member stops, as etcd's does on
// a damaged backend, naming the key and revision.
class MissingValue : public std::runtime_error {
 public:
  MissingValue(const std::string& key, const Revision& revision)
      : std::runtime_error("data corruption: the value of key \"" + key + "\" at revision " +
                           std::to_string(revision.main) + "/" + std::to_string(revision.sub) +
                           " is missing or damaged in the data directory") {}
};

}  // namespace acord::mvcc
