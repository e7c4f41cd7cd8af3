#pragma once
// The multi-version key-value store, as etcd's mvcc package defines it: every
// write request advances one main revision; each key keeps its versions
// (create_revision, mod_revision, version, lease) and tombstones, so a read may
// ask for the state at any revision not yet compacted away.
//
// Pure logic: no I/O. Each change is also recorded as a MirrorOp, which the
// node writes to RocksDB, and restore() rebuilds the store from those records.
// Given a ValueSource (that same mirror), the store keeps in memory only its
// index (keys and their versions' revisions) and the recent values: a value
// leaves memory once its record is known to be in the mirror and it is a few
// thousand revisions old, and is read back from there when it is asked for
// (as etcd's treeIndex keeps keys in memory and the values stay in bbolt).
#include <absl/container/btree_map.h>
#include <absl/container/inlined_vector.h>

#include "core/mvcc/packed_key.hpp"

#include <deque>
#include <map>
#include <memory>
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
  // Set when prev_kv's value had left memory and was not read back: it is the
  // record at this revision in the value source. A put reads no value it does
  // not need; only a watch that asked for prev_kv reads it (as etcd's watch
  // server does, and as there, a compaction in between leaves prev_kv out).
  std::optional<Revision> prev_value_at;
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

  // Rebuilds the store from records (any order) and the recorded compaction
  // point. `current_revision` is the highest revision ever reached (it may
  // exceed every stored record after deletes and compaction). With
  // `records_durable` (read from the mirror itself) only recent values stay in
  // memory; otherwise (a snapshot's, being written) all stay until
  // values_durable_through says the mirror has them.
  void restore(std::vector<Record> records, std::int64_t compacted_revision, std::int64_t current_revision,
               bool records_durable = false);

  // Values are read from `source` (which must outlive the store) once they
  // leave memory; without one, every value stays here.
  void set_value_source(const ValueSource* source) { source_ = source; }
  // The mirror holds every record up to `revision`: values written up to it
  // leave memory once they are `recent_revisions` old (recent values, what
  // current reads of busy keys and a watch that fell a little behind want,
  // are read from memory). restore() forgets this unless its records came
  // from the mirror.
  void values_durable_through(std::int64_t revision);
  void set_recent_values_revisions(std::int64_t n) { recent_revisions_ = n; }
  // Values still in memory that will leave it (for tests and the memory they
  // cost): none without a source.
  std::size_t values_held() const { return values_in_memory_; }

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
  // One version as the index keeps it, packed: a million keys cost a million
  // of these. The value leaves memory once it is durable and not recent; until
  // then it lives behind a pointer, so a cold version does not carry an empty
  // string's 32 bytes.
  // 48 bytes: the sub revision (a txn's op count is bounded far below 2^31)
  // shares a word with the tombstone bit.
  struct Version {
    std::int64_t main = 0;
    std::int64_t create_revision = 0;
    std::int64_t version = 0;
    std::int64_t lease = 0;
    std::unique_ptr<std::string> value;  // null once it left memory (or for a tombstone)
    std::uint32_t value_size = 0;        // kept for the quota when the value leaves
    std::uint32_t sub : 31;
    std::uint32_t tombstone : 1;
    Version() : sub(0), tombstone(0) {}
    Revision revision() const { return Revision{main, sub}; }
    void set_revision(Revision r) {
      main = r.main;
      sub = static_cast<std::uint32_t>(r.sub);
    }
    // The value left memory: read it from source_.
    bool value_in_source() const { return !tombstone && !value; }
  };
  static_assert(sizeof(Version) == 48, "a version is what a million keys pay for a million times");
  // Oldest first; most keys have one version, kept inline with the key.
  using History = absl::InlinedVector<Version, 1>;
  // A B-tree: a lookup among a million keys touches a few wide nodes rather
  // than twenty scattered ones (std::map's lookups were cache misses enough to
  // be the store's hottest spot), and it keeps no node header per key. Its
  // nodes are 512 bytes, not abseil's 256: a 64-byte slot would leave three
  // keys to a node and a node's header to every three.
  // Inserts and erases move values: no reference into it is kept across one.
  using Index = absl::container_internal::btree_map_container<
      absl::container_internal::btree<absl::container_internal::map_params<
          PackedKey, History, KeyLess, std::allocator<std::pair<const PackedKey, History>>, 512, false>>>;

  // The newest version of a history at or below `revision`, or nullptr.
  static const Version* visible_at(const History& h, std::int64_t revision);
  KeyValue to_kv(std::string_view key, const Version& v) const;
  // Throws MissingValue if the source lacks a value it should hold.
  std::string value_of(std::string_view key, const Version& v) const;
  // A value just written (or restored): in memory until the mirror has it
  // and it is no longer recent (values_durable_through).
  void keep_until_durable(std::string_view key, const Version& v);
  template <class F>
  void for_each_in_range(std::string_view key, std::string_view end, F&& f) const;
  // The key's history, found or made, in one lookup.
  Index::iterator find_or_add(std::string_view key);
  void append(std::string_view key, Version v);
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
  // The values in memory that will leave it, oldest first: a version is found
  // again by its key and revision (compaction may have taken it meanwhile).
  struct InMemory {
    Revision revision;
    std::string key;
  };
  std::deque<InMemory> in_memory_;
  std::size_t values_in_memory_ = 0;
};

}  // namespace acord::mvcc
