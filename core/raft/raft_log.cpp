#include "core/raft/raft_log.hpp"

#include <algorithm>
#include <cassert>

namespace acord::raft {

RaftLog::RaftLog(std::vector<Entry> entries, Index first_index, Term term_before_first, Index commit, Index applied)
    : entries_(std::move(entries)), first_index_(first_index) {
  stable_ = last_index();
  // A commit index beyond the log can only come from a damaged store; never
  // claim more than we hold.
  committed_ = std::min(commit, last_index());
  applied_ = std::max(std::min(applied, committed_), first_index_ - 1);
  terms_.reset(first_index_ - 1, term_before_first);
  for (const auto& e : entries_) terms_.append(e.index, e.term);
}

std::optional<Term> RaftLog::term(Index i) const {
  if (i >= first_index_ && i <= last_index()) return at(i).term;
  return terms_.term_at(i);  // an entry memory dropped (or the one before the log), if known
}

bool RaftLog::up_to_date(Term log_term, Index index) const {
  return log_term > last_term() || (log_term == last_term() && index >= last_index());
}

Index RaftLog::last_membership_change(Index from, Index to) const {
  Index found = 0;
  for (Index i = std::max(first_index_, from + 1); i <= std::min(to, last_index()); ++i) {
    if (changes_membership(at(i).type)) found = i;
  }
  return found;
}

void RaftLog::append(Term term, EntryType type, std::string data) {
  entries_.push_back(Entry{term, last_index() + 1, type, std::move(data)});
  terms_.append(last_index(), term);
}

void RaftLog::merge(const std::vector<Entry>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.index <= last_index() && matches(e.index, e.term)) continue;  // already held
    if (e.index <= last_index()) {
      assert(e.index > committed_ && "a committed entry can never be replaced");
      entries_.resize(e.index - first_index_);
      stable_ = std::min(stable_, e.index - 1);
    }
    entries_.insert(entries_.end(), entries.begin() + static_cast<std::ptrdiff_t>(i), entries.end());
    for (; i < entries.size(); ++i) terms_.append(entries[i].index, entries[i].term);
    return;
  }
}

void RaftLog::commit_to(Index index) { committed_ = std::max(committed_, std::min(index, last_index())); }

std::vector<Entry> RaftLog::unstable_entries() const {
  return {entries_.begin() + static_cast<std::ptrdiff_t>(stable_ + 1 - first_index_), entries_.end()};
}

std::vector<Entry> RaftLog::entries_to_apply() const {
  std::vector<Entry> out;
  for (Index i = applied_ + 1; i <= std::min(committed_, stable_); ++i) out.push_back(at(i));
  return out;
}

bool RaftLog::stable_to(Index index, Term term) {
  if (!matches(index, term)) return false;
  stable_ = std::max(stable_, index);
  return true;
}

void RaftLog::applied_to(Index index) { applied_ = std::max(applied_, index); }

std::vector<Entry> RaftLog::slice(Index from, std::size_t max, std::size_t max_bytes) const {
  std::vector<Entry> out;
  std::size_t bytes = 0;
  for (Index i = from; i <= last_index() && out.size() < max; ++i) {
    const auto& e = at(i);
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

void RaftLog::restore(Index index, Term term) {
  entries_.clear();
  first_index_ = index + 1;
  terms_.reset(index, term);
  committed_ = applied_ = stable_ = index;
}

void RaftLog::trim(Index index) {
  index = std::min(index, applied_);
  if (index < first_index_) return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(index - first_index_ + 1));
  first_index_ = index + 1;
}

}  // namespace acord::raft
