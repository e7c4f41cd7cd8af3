#pragma once
// A linearizability checker in the style of Wing & Gong / Lowe and Porcupine:
// the history is split by key (a register per key; linearizability composes),
// and for each key a depth-first search looks for an order of the operations
// that respects real time (an operation that completed before another was
// invoked comes first) and the register's rules, remembering (set of
// operations placed, register value) pairs already explored.
//
// An operation with an unknown outcome may be placed anywhere after its
// invocation, or never; its answer is unconstrained. Failed operations are
// left out: they did not happen.
#include <map>
#include <string>
#include <vector>

#include "history.hpp"

namespace acord::fault {

struct KeyVerdict {
  bool linearizable = true;
  bool gave_up = false;         // the search passed its step budget: no verdict
  std::vector<Op> ops;          // this key's operations, for a report
  // Where the search got furthest: the operation it could not place next
  // (an index into `ops`), and how many operations it had placed before it.
  std::size_t stuck_op = 0;
  std::size_t placed_before = 0;
};

struct Verdict {
  bool linearizable = true;
  bool gave_up = false;
  std::size_t ops = 0;
  std::map<std::string, KeyVerdict> failing;  // keys that are not linearizable (or undecided)
};

// `max_steps_per_key` bounds the search for one key (0: no bound).
Verdict check_linearizable(const std::vector<Op>& history, std::size_t max_steps_per_key = 50'000'000);

}  // namespace acord::fault
