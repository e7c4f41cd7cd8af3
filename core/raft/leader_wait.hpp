#pragma once
// Proposals and read requests that cannot go anywhere yet: no leader is known,
// or this leader is handing leadership over. They wait here, as etcd's do,
// and go as soon as a leader can take them; one that waited `max_ticks` is
// dropped (its caller's deadline has passed by then, and it heard "request
// timed out"). Past `capacity` waiting entries, new ones are refused.
#include <cstdint>
#include <deque>
#include <vector>

#include "core/raft/raft_types.hpp"

namespace acord::raft {

class LeaderWait {
 public:
  LeaderWait(std::size_t capacity, std::uint64_t max_ticks) : capacity_(capacity), max_ticks_(max_ticks) {}

  bool has_room(std::size_t entries) const { return held_.size() + entries <= capacity_; }
  // Only the type and data of `e` matter: its term and index come when appended.
  void hold(Entry e, std::uint64_t now) { held_.push_back(Held{std::move(e), now}); }
  void hold_read(std::uint64_t context, std::uint64_t now) { reads_.push_back(HeldRead{context, now}); }
  // Drops what waited `max_ticks` or longer by `now`.
  void expire(std::uint64_t now);

  bool has_entries() const { return !held_.empty(); }
  bool has_reads() const { return !reads_.empty(); }
  std::size_t entries() const { return held_.size(); }
  std::vector<Entry> take_entries();  // in the order they were held
  std::vector<std::uint64_t> take_reads();

 private:
  struct Held {
    Entry entry;
    std::uint64_t since = 0;
  };
  struct HeldRead {
    std::uint64_t context = 0;
    std::uint64_t since = 0;
  };
  std::size_t capacity_;
  std::uint64_t max_ticks_;
  std::deque<Held> held_;
  std::deque<HeldRead> reads_;
};

}  // namespace acord::raft
