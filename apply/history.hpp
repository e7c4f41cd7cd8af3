#pragma once
// A watch that is behind replays from the state machine's history: the
// events from a revision on, as far as they are complete.
#include <cstdint>
#include <vector>

#include "core/mvcc/mvcc_store.hpp"

namespace acord::apply {

struct History {
  bool compacted = false;
  std::int64_t compact_revision = 0;  // set when `compacted`
  std::vector<mvcc::Event> events;
  std::int64_t through = 0;  // the last revision the events are complete for
};

}  // namespace acord::apply
