#pragma once
// The term of every entry of the log, kept as the first index of each term:
// what answers for entries the in-memory log has dropped. A member keeps only
// a tail of its log in memory, while its disk log is trimmed later and at
// another point (and a snapshot names the term of its last entry): both need
// the terms of entries memory no longer holds. One map entry per term.
#include <map>
#include <optional>

#include "core/raft/raft_types.hpp"

namespace acord::raft {

class TermHistory {
 public:
  // Nothing is known below `index` (the entry, or snapshot point, the log
  // starts from), which has `term`.
  void reset(Index index, Term term);
  // Entry `index` has `term`; every entry recorded at or after it is
  // replaced (a conflicting tail).
  void append(Index index, Term term);
  // The term of entry `index`; nullopt below the floor (compacted) or past
  // the last entry recorded.
  std::optional<Term> term_at(Index index) const;
  // Terms below `index` are no longer asked for (the disk log starts there).
  void forget_below(Index index);
  Index floor() const { return floor_; }

 private:
  Index floor_ = 0;
  Index last_ = 0;
  std::map<Index, Term> starts_;  // the first index of each term, and the term
};

}  // namespace acord::raft
