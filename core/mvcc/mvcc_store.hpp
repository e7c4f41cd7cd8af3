#pragma once
// The multi-version key-value store, as etcd's mvcc package defines it: every
// write request advances one main revision; each key keeps its versions
// (create_revision, mod_revision, version, lease) and tombstones, so a read may
// ask for the state at any revision not yet compacted away.
//
// Pure logic: no I/O. Each change is also recorded as a MirrorOp, which the
// node writes to RocksDB, and restore() rebuilds the store from those records.
// Given a ValueSource (that same mirror), the store keeps in memory only each
// key's newest value: a superseded value is dropped once its record is known
// to be in the mirror, and read back from there when a past revision is asked.
#include <absl/container/btree_map.h>
#include <absl/container/flat_hash_map.h>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mvcc/revision.hpp"
#include "core/mvcc/value_source.hpp"

namespace acord::mvcc {

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
  friend bool operator==(const KeyValue& a, const KeyValue& b) {
    return a.key == b.key && a.value == b.value && a.create_revision == b.create_revision &&
           a.mod_revision == b.mod_revision && a.version == b.version && a.lease == b.lease;
  }
};

// One stored version of a key, as it is kept durably: the record behind one
// revision. A tombstone marks the deletion that ended a key's generation.
struct Record {
  Revision revision;
  bool tombstone = false;
  KeyValue kv;  // for a tombstone: only the key, with mod_revision set
};

// A change to the durable mirror: put or remove the record at a revision.
struct MirrorOp {
  bool remove = false;
  Record record;  // for a remove, only record.revision matters
};

enum class Error { none, compacted, future_revision };

struct RangeOptions {
  std::int64_t revision = 0;  // 0: the current revision
  std::int64_t limit = 0;     // 0: no limit
  bool count_only = false;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  std::int64_t count = 0;     // keys in the range, regardless of the limit
  std::int64_t revision = 0;  // the store's current revision
};

// What a write did: the events a watcher would see, in order.
struct Event {
  enum class Type { put, del } type = Type::put;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;
};

class MvccStore {
 public:
  std::int64_t current_revision() const { return current_revision_; }
  std::int64_t compacted_revision() const { return compacted_revision_; }
  // Logical bytes held, the measure the backend quota is checked against.
  std::int64_t size_bytes() const { return size_bytes_; }

  // Keys in [key, end) as of opts.revision. An empty end names the single key;
  // end == "\0" (one zero byte) means every key >= key, as in etcd.
  Error range(std::string_view key, std::string_view end, const RangeOptions& opts,
              RangeResult& out) const;

  // Writes happen inside a write transaction: all changes made between
  // begin_write() and end_write() share one main revision, and the revision
  // advances only if something changed. Reads inside it see its own changes.
  void begin_write();
  // Returns the new record's kv.
  KeyValue put(std::string_view key, std::string_view value, std::int64_t lease);
  // Deletes every live key in [key, end); returns the deleted kvs (pre-delete).
  std::vector<KeyValue> delete_range(std::string_view key, std::string_view end);
  // Ends the write; returns the events it produced.
  std::vector<Event> end_write();
  // The main revision the open write will commit at (current + 1).
  std::int64_t write_revision() const { return current_revision_ + 1; }
  bool write_changed_anything() const { return write_sub_ > 0; }

  // Drops every version superseded at or below `revision`; reads below it then
  // fail with Error::compacted.
  Error compact(std::int64_t revision);

  // Changes since the last call, for the durable mirror.
  std::vector<MirrorOp> take_mirror_ops();

  // Rebuilds the store from durable records (any order) and the recorded
  // compaction point. `current_revision` is the highest revision ever reached
  // (it may exceed every stored record after deletes and compaction).
  void restore(std::vector<Record> records, std::int64_t compacted_revision,
               std::int64_t current_revision);

  // Superseded values are read from `source` (which must outlive the store)
  // once they are dropped from memory; without one, every value stays here.
  void set_value_source(const ValueSource* source) { source_ = source; }
  // The mirror holds every record up to `revision`: superseded values up to it
  // may leave memory once they are `recent_revisions` old (recent history,
  // what a watch that fell behind replays, is read from memory).
  // restore() forgets this (its records may not be in the mirror yet).
  void values_durable_through(std::int64_t revision);
  void set_recent_values_revisions(std::int64_t n) { recent_revisions_ = n; }
  // Superseded values still in memory, waiting for the mirror (for tests).
  std::size_t values_held() const { return held_.size(); }

  // Every record, in revision order (for tests and hashing).
  std::vector<Record> all_records() const;

  // The events of [key, end) from revision `from` on, in revision order, each
  // with its previous version when the history still holds it: what a watch
  // that starts in the past must replay. At most about `max_events`: the list
  // stops after a whole revision (never inside one), and `through` tells the
  // last revision it is complete for. Error::compacted if `from` is below the
  // compaction point (those events are gone).
  Error history(std::string_view key, std::string_view end, std::int64_t from, std::size_t max_events,
                std::vector<Event>& out, std::int64_t& through) const;

  // Every live key attached to a lease, with its lease (to rebuild the lease
  // table's attachments after a restart or a snapshot).
  std::vector<std::pair<std::string, std::int64_t>> leased_keys() const;

 private:
  struct Version {
    Revision revision;
    bool tombstone = false;
    bool value_in_source = false;  // `value` was dropped: read it from source_/held_
    std::uint32_t value_size = 0;  // kept for the quota when the value leaves
    std::string value;
    std::int64_t create_revision = 0;
    std::int64_t version = 0;
    std::int64_t lease = 0;
  };
  using History = std::vector<Version>;  // oldest first
  // A B-tree: a lookup among a million keys touches a few wide nodes rather
  // than twenty scattered ones (std::map's lookups were cache misses enough to
  // be the store's hottest spot), and it keeps no node header per key.
  // Inserts and erases move values: no reference into it is kept across one.
  using Index = absl::btree_map<std::string, History, std::less<>>;

  // The newest version of a history at or below `revision`, or nullptr.
  static const Version* visible_at(const History& h, std::int64_t revision);
  KeyValue to_kv(const std::string& key, const Version& v) const;
  // Throws MissingValue if the source lacks a value it should hold.
  std::string value_of(const std::string& key, const Version& v) const;
  // The newest version of `h` is about to be superseded at main revision
  // `superseded_at`: its value leaves memory, at once if the mirror has it.
  void drop_superseded_value(Version& v, std::int64_t superseded_at);
  template <class F>
  void for_each_in_range(std::string_view key, std::string_view end, F&& f) const;
  void append(const std::string& key, Version v);
  void append(Index::iterator at, Version v);
  static std::int64_t cost(std::string_view key, std::size_t value_size);

  Index index_;
  std::int64_t current_revision_ = 1;  // etcd starts a fresh store at revision 1
  std::int64_t compacted_revision_ = 0;
  std::int64_t size_bytes_ = 0;
  bool writing_ = false;
  std::int64_t write_sub_ = 0;
  std::vector<Event> write_events_;
  std::vector<MirrorOp> mirror_ops_;

  const ValueSource* source_ = nullptr;
  std::int64_t durable_through_ = 0;
  std::int64_t recent_revisions_ = 0;
  // Superseded values whose records may not be in the mirror yet, and the
  // order to let them go in: (main revision that superseded it, its revision).
  // (A flat hash map: one of these comes and goes with every put.)
  absl::flat_hash_map<Revision, std::string> held_;
  std::deque<std::pair<std::int64_t, Revision>> release_order_;
};

}  // namespace acord::mvcc
