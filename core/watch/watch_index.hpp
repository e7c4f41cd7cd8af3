#pragma once
// Which watchers an event concerns, found through an index rather than by
// asking every watcher: exact keys in a hash map, prefixes by looking up each
// prefix of the event's key, "from key" watchers in a map ordered by their
// start, and only arbitrary ranges in a list. Pure: the watch actor owns one.
//
// A watcher is synced when it has seen everything up to the store's current
// revision; it then gets events as they are applied. One that starts in the
// past is unsynced until the actor has replayed history to it from the MVCC
// store (etcd's synced/unsynced split), so a slow catch-up never holds up
// writers or other watchers.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/mvcc/mvcc_store.hpp"

namespace acord::watch {

using WatcherId = std::int64_t;

struct Watcher {
  WatcherId id = 0;
  std::string key;
  std::string end;  // "" one key; "\0" every key >= key; else [key, end)
  bool no_put = false;
  bool no_delete = false;
  bool prev_kv = false;
  std::int64_t next_revision = 0;  // the first revision it has not seen
};

class WatchIndex {
 public:
  // Adds a watcher that wants events from `start_revision` on (0: from now).
  // It is synced if it needs nothing from before `current_revision` + 1.
  void add(Watcher w, std::int64_t current_revision, std::int64_t start_revision);
  bool remove(WatcherId id);
  bool contains(WatcherId id) const { return watchers_.count(id) != 0; }
  std::size_t size() const { return watchers_.size(); }

  // The synced watchers an event concerns, after their filters. A watcher
  // is offered events from its next revision on (a watch asked to start in
  // the future, or one that just replayed history up to it); events arrive
  // in revision order, so nothing else needs moving forward per revision.
  std::vector<WatcherId> match(const mvcc::Event& e) const;

  // Unsynced watchers, to replay history to; synced() moves one over once
  // everything before `next_revision` was delivered to it.
  std::vector<WatcherId> unsynced() const;
  bool has_unsynced() const { return !unsynced_.empty(); }
  void synced(WatcherId id, std::int64_t next_revision);
  // An unsynced watcher caught up partway: it still needs `next_revision` on.
  void caught_up_to(WatcherId id, std::int64_t next_revision);
  // A synced watcher that cannot take events now (its client reads slowly,
  // or the store jumped ahead by a snapshot) goes back to catching up from
  // history, from `next_revision` on.
  void desync(WatcherId id, std::int64_t next_revision);
  bool is_synced(WatcherId id) const { return contains(id) && unsynced_.count(id) == 0; }
  const Watcher* find(WatcherId id) const;

  // Whether `key` is in a watcher's range.
  static bool covers(const Watcher& w, const std::string& key);

 private:
  enum class Shape { key, prefix, from_key, range };
  static Shape shape_of(const Watcher& w, std::string* prefix);
  void index(const Watcher& w);
  void unindex(const Watcher& w);
  bool passes_filters(const Watcher& w, const mvcc::Event& e) const;

  std::unordered_map<WatcherId, Watcher> watchers_;
  std::set<WatcherId> unsynced_;
  std::unordered_map<std::string, std::set<WatcherId>> by_key_;
  std::unordered_map<std::string, std::set<WatcherId>> by_prefix_;
  std::multimap<std::string, WatcherId> from_key_;
  std::set<WatcherId> ranges_;
};

}  // namespace acord::watch
