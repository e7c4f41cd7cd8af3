#pragma once
// What a leader knows of one follower's log, and how it sends to it
// (etcd-io/raft's tracker/progress.go). Three states:
// - probe: the leader does not know where the logs match; one append at a
//   time, backing up on each refusal;
// - replicate: they match up to `match`; appends are sent optimistically, up
//   to a window of messages in flight;
// - snapshot: the follower needs entries the leader no longer holds; nothing
//   is sent until the snapshot lands (or, lost, is due again).
#include <cstdint>
#include <deque>
#include <string>

#include "core/raft/raft_types.hpp"

namespace acord::raft {

// The last index of each append in flight to one follower, oldest first.
class Inflights {
 public:
  explicit Inflights(std::size_t capacity) : capacity_(capacity) {}
  bool full() const { return sent_.size() >= capacity_; }
  std::size_t size() const { return sent_.size(); }
  void add(Index last) { sent_.push_back(last); }
  // The follower holds everything up to `index`: those appends have landed.
  void free_to(Index index);
  // A heartbeat answered while the window is full: one slot opens, so a
  // window whose acknowledgements were lost does not stall forever.
  void free_first_one();
  void clear() { sent_.clear(); }

 private:
  std::size_t capacity_;
  std::deque<Index> sent_;
};

struct Progress {
  enum class State { probe, replicate, snapshot };

  Progress(Index next, std::size_t max_inflight) : next(next), inflight(max_inflight) {}

  Index match = 0;  // the follower holds the leader's entries up to here
  Index next = 1;   // the next entry to send it
  State state = State::probe;
  bool probe_sent = false;     // probe: an append is out, awaiting its answer
  Inflights inflight;          // replicate: appends in flight
  bool recent_active = false;  // heard from within the election timeout (CheckQuorum)
  std::uint64_t snapshot_sent_tick = 0;

  // Nothing more may be sent now (snapshot: see snapshot_due).
  bool paused() const;
  // Snapshot: the one sent is presumed lost after `timeout` ticks.
  bool snapshot_due(std::uint64_t now, std::uint64_t timeout) const {
    return now >= snapshot_sent_tick + timeout;
  }
  void become_probe();
  void become_replicate();  // resumes right after what the follower holds
  void become_snapshot(std::uint64_t now);
  // The follower acknowledged holding up to `index`; false if that is old news.
  bool maybe_update(Index index);
  // The follower refused the append after `rejected` (its last index:
  // `hint`); false if that refusal is stale. Backs `next` up, never below
  // what the follower is known to hold.
  bool maybe_decrease_to(Index rejected, Index hint);
  // An append of entries up to `last` went out.
  void sent_append(Index last, bool had_entries);
  std::string describe() const;
};

}  // namespace acord::raft
