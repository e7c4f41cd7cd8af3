#pragma once
// etcd's HashKV: a CRC-32C over the MVCC records up to a revision, each as
// etcd's backend stores it (the revision as 17 bytes, main and sub big-endian
// around a '_', plus a 't' for a tombstone; then the key-value marshaled as
// mvccpb.KeyValue, only the key for a tombstone), after the bucket name "key".
// Of the records at or below the compaction point only those a compaction at
// the hashed revision would keep count (each live key's newest version), as
// in etcd. Members that applied the same log report the same hash, and the
// same data hashes as it would on etcd.
#include <cstdint>

#include "core/mvcc/mvcc_store.hpp"

namespace acord::mvcc {

struct HashKv {
  Error error = Error::none;  // compacted: revision at or below the compaction; future_revision
  std::uint32_t hash = 0;
  std::int64_t revision = 0;          // the store's current revision
  std::int64_t compact_revision = 0;  // the store's compaction point
};

// At `revision`; 0 means the current one.
HashKv hash_kv(const MvccStore& store, std::int64_t revision);
// The same over records in revision order (a data directory's, before a store
// is built from them) and the store's current and compacted revisions.
HashKv hash_kv(const std::vector<Record>& records, std::int64_t current_revision, std::int64_t compacted_revision,
               std::int64_t revision);

}  // namespace acord::mvcc
