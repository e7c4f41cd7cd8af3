#pragma once
// The watch actor: every watch of a node. The apply actor sends it the events
// of each applied batch, in revision order; it finds the watches they concern
// through the WatchIndex (not by asking each watch) and writes one response
// per watch and revision to the watch's client stream. A watch that starts in
// the past, or whose client reads too slowly to keep up, is "unsynced": it
// catches up from the MVCC history the apply actor reads for it, a bounded
// number of events at a time, then joins the live stream (etcd's
// synced/unsynced groups). Writers never wait for watchers.
//
// Ordering: the apply actor sends event batches and history answers to this
// actor alone, so a history answer complete through revision R arrives after
// every batch up to R: a watch moving from history to live events neither
// misses nor repeats one.
#include <caf/all.hpp>
#include <map>
#include <unordered_map>
#include <set>

#include "actors/messages.hpp"
#include "core/watch/watch_index.hpp"

namespace acord::actors {

struct WatchActorArgs {
  caf::actor apply;
  std::uint64_t cluster_id = 0;
  std::uint64_t member_id = 0;
  std::uint64_t max_request_bytes = 0;  // a fragmenting watch splits responses past this
  int progress_notify_ms = 0;
  // Where a prev_kv value that left memory is read back (RocksDB; safe from
  // this actor's thread). Without one, such events go without prev_kv.
  const mvcc::ValueSource* values = nullptr;
};

struct WatchActorState {
  WatchActorArgs args;
  watch::WatchIndex index;
  std::int64_t revision = 0;  // the store's revision as of the last batch
  raft::Term term = 0;
  // What a watch's stream needs to know besides the index's part.
  struct Watch {
    std::uint64_t stream = 0;
    std::int64_t id = 0;  // the client's watch id on its stream
    bool prev_kv = false;
    bool fragment = false;
    bool progress_notify = false;
    bool quiet = true;  // no events since the last progress notification
  };
  std::unordered_map<watch::WatcherId, Watch> watches;
  struct Stream {
    StreamSinkPtr sink;
    std::map<std::int64_t, watch::WatcherId> by_id;  // client watch id -> watcher
    std::int64_t next_id = 0;
  };
  std::unordered_map<std::uint64_t, Stream> streams;
  watch::WatcherId next_watcher = 1;
  std::set<watch::WatcherId> replaying;  // history requested, answer not yet in
  bool sync_scheduled = false;
  static inline const char* name = "watch";
};

caf::behavior watch_actor(caf::stateful_actor<WatchActorState>* self, WatchActorArgs args);

}  // namespace acord::actors
