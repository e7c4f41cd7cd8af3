#pragma once
// A member's Raft log as the core sees it (etcd-io/raft's raftLog): the entries
// held in memory, which of them are durable (stable) and which are not yet
// (unstable), how far they are committed and handed out to apply, and the term
// of every entry since the log's start, including those memory dropped. A term
// asked for below that start is reported as compacted (nullopt), never as 0.
#include <optional>
#include <vector>

#include "core/raft/raft_types.hpp"
#include "core/raft/term_history.hpp"

namespace acord::raft {

class RaftLog {
 public:
  // The durable log a member restarts from: `entries` start at `first_index`,
  // and the entry before them had `term_before_first`.
  RaftLog(std::vector<Entry> entries, Index first_index, Term term_before_first, Index commit, Index applied);

  Index first_index() const { return first_index_; }
  Index last_index() const { return first_index_ + entries_.size() - 1; }
  Term last_term() const { return term_or_zero(last_index()); }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  Index stable() const { return stable_; }

  // The term of entry `i`; nullopt when compacted (below what the log ever
  // held since it started or installed a snapshot) or past the last entry.
  std::optional<Term> term(Index i) const;
  Term term_or_zero(Index i) const { return term(i).value_or(0); }
  bool matches(Index i, Term t) const { return term(i) == t; }
  // The entry at `i`, which memory must hold (first_index() <= i <= last_index()).
  const Entry& at(Index i) const { return entries_[i - first_index_]; }
  // §5.4.1: whether a log ending at (`log_term`, `index`) is at least as up
  // to date as this one.
  bool up_to_date(Term log_term, Index index) const;
  // The newest membership entry in (from, to], or 0.
  Index last_membership_change(Index from, Index to) const;

  // A leader's own new entry.
  void append(Term term, EntryType type, std::string data);
  // A follower's entries from the leader, after an entry both logs share:
  // those already held are skipped; a conflicting entry and everything after
  // it are replaced (§5.3). Never replaces a committed entry.
  void merge(const std::vector<Entry>& entries);
  // Commits up to `index`, never past the last entry, never backwards.
  void commit_to(Index index);

  // Entries not yet known durable, and committed entries durable here and not
  // yet handed out to apply (only those may be applied).
  std::vector<Entry> unstable_entries() const;
  std::vector<Entry> entries_to_apply() const;
  bool has_unstable() const { return stable_ < last_index(); }
  bool has_to_apply() const { return std::min(committed_, stable_) > applied_; }
  // Entries written durably up to `index` (with `term`): they count as stable
  // only if the log still holds them (a conflict may have replaced them while
  // they were written).
  bool stable_to(Index index, Term term);
  void applied_to(Index index);
  // Up to `max` entries from `from` (which memory must hold), for an append:
  // no more than `max_bytes` of entry data, but always one entry if there is one.
  std::vector<Entry> slice(Index from, std::size_t max, std::size_t max_bytes) const;

  // A snapshot at `index` (entry term `term`) replaces the log: it restarts
  // empty after it, committed, applied and durable there.
  void restore(Index index, Term term);
  // Memory forgets entries up to `index` (at most what was applied); their
  // terms stay known.
  void trim(Index index);
  // Terms below `index` will not be asked for again (the disk log starts there).
  void forget_terms_below(Index index) { terms_.forget_below(index); }
  Index term_floor() const { return terms_.floor(); }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // first_index_ .. last
  // The term of every entry since the log's start (or last snapshot): those
  // entries_ dropped and the one before first_index_ too.
  TermHistory terms_;
  Index first_index_ = 1;
  Index stable_ = 0;
  Index committed_ = 0;
  Index applied_ = 0;  // last index handed out to apply
};

}  // namespace acord::raft
