#include "core/raft/progress.hpp"

#include <algorithm>

namespace acord::raft {

void Inflights::free_to(Index index) {
  while (!sent_.empty() && sent_.front() <= index) sent_.pop_front();
}

void Inflights::free_first_one() {
  if (!sent_.empty()) sent_.pop_front();
}

bool Progress::paused() const {
  switch (state) {
    case State::probe: return probe_sent;
    case State::replicate: return inflight.full();
    case State::snapshot: return true;
  }
  return true;
}

void Progress::become_probe() {
  state = State::probe;
  probe_sent = false;
  inflight.clear();
}

void Progress::become_replicate() {
  state = State::replicate;
  probe_sent = false;
  inflight.clear();
  next = match + 1;
}

void Progress::become_snapshot(std::uint64_t now) {
  state = State::snapshot;
  probe_sent = false;
  inflight.clear();
  snapshot_sent_tick = now;
}

bool Progress::maybe_update(Index index) {
  next = std::max(next, index + 1);
  if (index <= match) return false;
  match = index;
  return true;
}

bool Progress::maybe_decrease_to(Index rejected, Index hint) {
  if (state == State::replicate) {
    // Appends are pipelined: only a refusal beyond what is known held counts.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // One append at a time: only the refusal of the last one sent counts.
  if (next - 1 != rejected) return false;
  next = std::max<Index>(match + 1, std::min(rejected, hint + 1));
  return true;
}

void Progress::sent_append(Index last, bool had_entries) {
  if (state == State::replicate) {
    if (!had_entries) return;
    next = last + 1;
    inflight.add(last);
  } else {
    probe_sent = true;
  }
}

std::string Progress::describe() const {
  static const char* states[] = {"probe", "replicate", "snapshot"};
  return "match=" + std::to_string(match) + " next=" + std::to_string(next) + " " +
         states[static_cast<int>(state)] + (probe_sent ? " sent" : "") +
         " inflight=" + std::to_string(inflight.size());
}

}  // namespace acord::raft
