#include "core/mvcc/hash_kv.hpp"

#include <absl/container/flat_hash_map.h>

#include "core/mvcc/crc32c.hpp"
#include "core/mvcc/etcd_record.hpp"

namespace acord::mvcc {

HashKv hash_kv(const MvccStore& store, std::int64_t revision) {
  return hash_kv(store.all_records(), store.current_revision(), store.compacted_revision(), revision);
}

HashKv hash_kv(const std::vector<Record>& records, std::int64_t current_revision, std::int64_t compacted_revision,
               std::int64_t revision) {
  HashKv out;
  out.revision = current_revision;
  out.compact_revision = compacted_revision;
  // etcd: a revision at or below the compaction point is gone, one past the
  // current revision does not exist yet.
  if (revision > 0 && revision <= out.compact_revision) {
    out.error = Error::compacted;
    return out;
  }
  if (revision > out.revision) {
    out.error = Error::future_revision;
    return out;
  }
  if (revision <= 0) revision = out.revision;
  // etcd skips the records at or below the compaction point that a
  // compaction at `revision` would drop: of those, only each live key's
  // newest version counts (and all of them when no key is live). Each key's
  // newest record at or below `revision`, from the records themselves:
  absl::flat_hash_map<std::string_view, const Record*> newest;
  for (const auto& r : records) {  // in revision order, as the backend's keys sort
    if (r.revision.main > revision) break;
    newest[r.kv.key] = &r;
  }
  bool any_live = false;
  for (const auto& [key, r] : newest) any_live = any_live || !r->tombstone;
  Crc32c crc;
  crc.update("key");
  for (const auto& r : records) {
    if (r.revision.main > revision) break;
    if (r.revision.main <= out.compact_revision && any_live && (r.tombstone || newest.at(r.kv.key) != &r)) continue;
    crc.update(etcd_revision_key(r.revision, r.tombstone));
    crc.update(etcd_record_value(r));
  }
  out.hash = crc.value();
  return out;
}

}  // namespace acord::mvcc
