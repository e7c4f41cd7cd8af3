#include "core/raft/raft_core.hpp"

#include <algorithm>
#include <cassert>

namespace acord::raft {
namespace {
// splitmix64: a tiny deterministic generator, so a seed replays exactly.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

RaftCore::RaftCore(Config config, Restored restored)
    : config_(std::move(config)),
      term_(restored.hard_state.term),
      vote_(restored.hard_state.vote),
      log_(std::move(restored.entries)),
      first_index_(restored.first_index),
      term_before_first_(restored.term_before_first),
      commit_(restored.hard_state.commit),
      applied_(restored.applied),
      last_hard_state_(restored.hard_state),
      rng_(config_.seed ^ config_.id) {
  stable_ = last_index();
  // A commit index beyond the log can only come from a damaged store; never
  // claim more than we hold.
  commit_ = std::min(commit_, last_index());
  applied_ = std::max(std::min(applied_, commit_), first_index_ - 1);
  reset_election_timeout();
}

Term RaftCore::term_at(Index i) const {
  if (i + 1 == first_index_) return term_before_first_;
  if (i < first_index_ || i > last_index()) return 0;
  return log_[i - first_index_].term;
}

void RaftCore::reset_election_timeout() {
  // Raft §5.2: randomized timeouts in [election, 2*election) ticks make split
  // votes rare.
  election_elapsed_ = 0;
  election_timeout_ = config_.election_ticks + static_cast<int>(next_random(rng_) % config_.election_ticks);
}

void RaftCore::tick() {
  if (role_ == Role::leader) return;  // heartbeats go out only to peers
  if (++election_elapsed_ >= election_timeout_) campaign();
}

void RaftCore::campaign() {
  if (role_ == Role::leader) return;
  // Raft §5.2: a candidate increments its term and votes for itself.
  role_ = Role::candidate;
  ++term_;
  vote_ = config_.id;
  leader_ = 0;
  reset_election_timeout();
  // With a single voter, its own vote is a majority.
  if (is_single_voter()) become_leader();
}

void RaftCore::become_follower(Term term, NodeId leader) {
  role_ = Role::follower;
  if (term > term_) {
    term_ = term;
    vote_ = 0;
  }
  leader_ = leader;
  reset_election_timeout();
}

void RaftCore::become_leader() {
  role_ = Role::leader;
  leader_ = config_.id;
  // Raft §5.4.2: a leader commits entries of earlier terms only through an
  // entry of its own term, so it appends an empty one at once.
  log_.push_back(Entry{term_, last_index() + 1, EntryType::normal, {}});
}

ProposeResult RaftCore::propose(std::string data, EntryType type) {
  if (role_ != Role::leader) return ProposeResult::not_leader;
  log_.push_back(Entry{term_, last_index() + 1, type, std::move(data)});
  return ProposeResult::ok;
}

void RaftCore::step(const Message& m) {
  if (std::find(config_.voters.begin(), config_.voters.end(), m.from) == config_.voters.end()) return;
  // Raft §5.1: a higher term from any voter makes this node a follower.
  if (m.term > term_) become_follower(m.term, m.type == Message::Type::append ? m.from : 0);
}

void RaftCore::maybe_commit() {
  // Raft §5.3/§5.4.2: an entry is committed once a majority holds it and it
  // belongs to the leader's term. With one voter the majority is this node's
  // durable log.
  if (role_ != Role::leader || !is_single_voter()) return;
  if (stable_ > commit_ && term_at(stable_) == term_) commit_ = stable_;
}

bool RaftCore::has_ready() const {
  return stable_ < last_index() || commit_ > applied_ ||
         HardState{term_, vote_, commit_} != last_hard_state_;
}

Ready RaftCore::ready() {
  Ready rd;
  HardState hs{term_, vote_, commit_};
  if (hs != last_hard_state_) rd.hard_state = hs;
  for (Index i = stable_ + 1; i <= last_index(); ++i) rd.entries.push_back(log_[i - first_index_]);
  for (Index i = applied_ + 1; i <= commit_; ++i) rd.committed.push_back(log_[i - first_index_]);
  return rd;
}

void RaftCore::advance(const Ready& rd) {
  if (rd.hard_state) last_hard_state_ = *rd.hard_state;
  if (!rd.entries.empty()) stable_ = std::max(stable_, rd.entries.back().index);
  if (!rd.committed.empty()) applied_ = std::max(applied_, rd.committed.back().index);
  maybe_commit();
}

void RaftCore::trim(Index index) {
  index = std::min(index, applied_);
  if (index < first_index_) return;
  term_before_first_ = term_at(index);
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(index - first_index_ + 1));
  first_index_ = index + 1;
}

}  // namespace acord::raft
