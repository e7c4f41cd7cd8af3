#include "core/raft/term_history.hpp"

namespace acord::raft {

void TermHistory::reset(Index index, Term term) {
  starts_.clear();
  floor_ = last_ = index;
  starts_[index] = term;
}

void TermHistory::append(Index index, Term term) {
  if (index <= last_) starts_.erase(starts_.lower_bound(index), starts_.end());
  if (starts_.empty() || starts_.rbegin()->second != term) starts_[index] = term;
  last_ = index;
  if (index < floor_) floor_ = index;
}

std::optional<Term> TermHistory::term_at(Index index) const {
  if (index < floor_ || index > last_) return std::nullopt;
  auto it = starts_.upper_bound(index);
  if (it == starts_.begin()) return std::nullopt;
  return std::prev(it)->second;
}

void TermHistory::forget_below(Index index) {
  if (index <= floor_ || index > last_) return;
  const auto term = term_at(index);
  starts_.erase(starts_.begin(), starts_.upper_bound(index));
  starts_[index] = *term;
  floor_ = index;
}

}  // namespace acord::raft
