#include "core/mvcc/hash_kv.hpp"

#include <set>

#include "core/mvcc/crc32c.hpp"
#include "core/mvcc/etcd_record.hpp"

namespace acord::mvcc {

HashKv hash_kv(const MvccStore& store, std::int64_t revision) {
  HashKv out;
  out.revision = store.current_revision();
  out.compact_revision = store.compacted_revision();
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
  // newest version counts (and all of them when no key is live).
  RangeResult live;
  RangeOptions at;
  at.revision = revision;
  store.range(std::string_view("\0", 1), std::string_view("\0", 1), at, live);
  std::set<std::pair<std::string_view, std::int64_t>> keep;
  for (const auto& kv : live.kvs) keep.emplace(kv.key, kv.mod_revision);
  Crc32c crc;
  crc.update("key");
  for (const auto& r : store.all_records()) {  // in revision order, as the backend's keys sort
    if (r.revision.main > revision) break;
    if (r.revision.main <= out.compact_revision && !keep.empty() && !keep.count({r.kv.key, r.revision.main})) continue;
    crc.update(etcd_revision_key(r.revision, r.tombstone));
    crc.update(etcd_record_value(r));
  }
  out.hash = crc.value();
  return out;
}

}  // namespace acord::mvcc
