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

bool is_vote_request(Message::Type t) { return t == Message::Type::vote || t == Message::Type::pre_vote; }
}  // namespace

RaftCore::RaftCore(Config config, Restored restored)
    : config_(std::move(config)),
      term_(restored.hard_state.term),
      vote_(restored.hard_state.vote),
      log_(std::move(restored.entries), restored.first_index, restored.term_before_first, restored.hard_state.commit,
           restored.applied),
      last_hard_state_(restored.hard_state),
      // Mixed so that no seed cancels the id out: members must not share
      // their election timeouts (§5.2).
      rng_(config_.seed ^ (config_.id * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL)),
      waiting_(config_.max_waiting_entries, config_.max_wait_ticks) {
  std::sort(config_.voters.begin(), config_.voters.end());
  config_.voters.erase(std::unique(config_.voters.begin(), config_.voters.end()), config_.voters.end());
  reset_election_timeout();
}

void RaftCore::append_own(EntryType type, std::string data) { log_.append(term_, type, std::move(data)); }

bool RaftCore::is_voter(NodeId id) const {
  return std::find(config_.voters.begin(), config_.voters.end(), id) != config_.voters.end();
}

void RaftCore::reset_election_timeout() {
  // §5.2: randomized timeouts in [election, 2*election) ticks make split
  // votes rare.
  election_elapsed_ = 0;
  election_timeout_ = config_.election_ticks + static_cast<int>(next_random(rng_) % config_.election_ticks);
}

void RaftCore::reset(Term term) {
  if (role_ == Role::leader) {
    // Changes this leader queued go to whoever leads next.
    for (auto& data : queued_conf_changes_) waiting_.hold(Entry{0, 0, EntryType::conf_change, std::move(data)}, ticks_);
  }
  queued_conf_changes_.clear();
  if (term != term_) {
    term_ = term;
    vote_ = 0;
  }
  leader_ = 0;
  heartbeat_elapsed_ = 0;
  reset_election_timeout();
  votes_.clear();
  progress_.clear();
  reads_.clear();
  transferee_ = 0;
  transfer_elapsed_ = 0;
  forced_campaign_ = false;
}

// ---- roles -------------------------------------------------------------------

void RaftCore::become_follower(Term term, NodeId leader) {
  reset(term);
  role_ = Role::follower;
  leader_ = leader;
}

void RaftCore::become_pre_candidate() {
  // PreVote: ask whether an election could be won before disturbing anyone's
  // term; a member that was cut off cannot depose a working leader this way.
  votes_.clear();
  progress_.clear();
  role_ = Role::pre_candidate;
  leader_ = 0;
  reset_election_timeout();
  votes_[config_.id] = true;
  if (majority().vote_result(votes_) == VoteResult::won) {
    become_candidate();
    return;
  }
  request_votes(Message::Type::pre_vote, term_ + 1, 0);
}

void RaftCore::request_votes(Message::Type type, Term term, std::uint64_t context) {
  for (NodeId to : config_.voters) {
    if (to == config_.id) continue;
    Message m;
    m.type = type;
    m.to = to;
    m.term = term;
    m.index = last_index();
    m.log_term = last_term();
    m.context = context;
    send(std::move(m));
  }
}

void RaftCore::become_candidate(bool forced) {
  // §5.2: a candidate increments its term and votes for itself.
  reset(term_ + 1);
  role_ = Role::candidate;
  forced_campaign_ = forced;
  vote_ = config_.id;
  votes_[config_.id] = true;
  if (majority().vote_result(votes_) == VoteResult::won) {
    become_leader();
    return;
  }
  request_votes(Message::Type::vote, term_, forced ? kForcedCampaign : 0);
}

void RaftCore::become_leader() {
  reset(term_);
  role_ = Role::leader;
  leader_ = config_.id;
  vote_ = config_.id;
  for (NodeId id : config_.voters) {
    if (id != config_.id) progress_.emplace(id, Progress(last_index() + 1, config_.max_inflight_messages));
  }
  // Any membership entry in the log beyond the applied voters may still
  // commit: it counts as the pending change.
  pending_conf_index_ = log_.last_membership_change(config_.voters_index, last_index());
  // §5.4.2: a leader commits entries of earlier terms only through an entry of
  // its own term, so it appends an empty one at once.
  append_own(EntryType::normal, {});
  broadcast_append();
  release_waiting();
}

// ---- inputs ------------------------------------------------------------------

void RaftCore::tick() {
  ++ticks_;
  waiting_.expire(ticks_);
  tick_role();
  release_waiting();  // a transfer given up, say
}

void RaftCore::tick_role() {
  if (role_ != Role::leader) {
    if (++election_elapsed_ >= election_timeout_) campaign();
    return;
  }
  ++heartbeat_elapsed_;
  if (transferee_ != 0 && ++transfer_elapsed_ >= config_.election_ticks) {
    transferee_ = 0;  // gave up: what waited for the transfer goes now
    if (append_queued_conf_change()) broadcast_append();
  }
  if (++election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      // CheckQuorum: a leader that has not heard from a quorum within an
      // election timeout steps down instead of serving stale reads.
      const bool heard_from_quorum = majority().reached([this](NodeId id) {
        if (id == config_.id) return true;
        auto it = progress_.find(id);
        return it != progress_.end() && it->second.recent_active;
      });
      for (auto& [id, pr] : progress_) pr.recent_active = false;
      if (!heard_from_quorum) {
        become_follower(term_, 0);
        return;
      }
    }
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat(reads_.latest_round());
  }
}

void RaftCore::campaign() {
  // Only a voter stands for election (etcd-io/raft's promotable): a member
  // still catching up after joining, or one removed, must not.
  if (role_ == Role::leader || !promotable()) return;
  // Nor one that has committed a membership change it has not applied yet
  // (etcd-io/raft's rule): its quorum would be counted among the wrong voters.
  if (conf_change_unapplied()) return;
  if (config_.pre_vote) {
    become_pre_candidate();
  } else {
    become_candidate();
  }
}

void RaftCore::apply_conf_change(Index index, std::vector<NodeId> voters) {
  if (index < config_.voters_index) return;
  std::sort(voters.begin(), voters.end());
  voters.erase(std::unique(voters.begin(), voters.end()), voters.end());
  config_.voters_index = index;
  if (voters == config_.voters) return;
  config_.voters = std::move(voters);
  if (role_ == Role::candidate || role_ == Role::pre_candidate) {
    // The votes counted so far were counted against other voters.
    become_follower(term_, 0);
    return;
  }
  if (role_ != Role::leader) return;
  if (!promotable()) {
    // This leader was removed: it stops leading (the others elect a leader
    // among themselves; the entry removing it is in a quorum of their logs).
    become_follower(term_, 0);
    return;
  }
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = is_voter(it->first) ? std::next(it) : progress_.erase(it);
  }
  if (transferee_ != 0 && !is_voter(transferee_)) transferee_ = 0;
  for (NodeId id : config_.voters) {
    if (id == config_.id || progress_.count(id)) continue;
    auto& pr = progress_.emplace(id, Progress(last_index() + 1, config_.max_inflight_messages)).first->second;
    pr.recent_active = true;  // give it an election timeout before CheckQuorum counts it
  }
  // The next change may go; a smaller quorum may commit now; a new member
  // hears from us at once.
  append_queued_conf_change();
  maybe_commit();
  broadcast_append();
  release_confirmed_reads();
}

void RaftCore::step(const Message& m) {
  if (m.from == 0 || m.from == config_.id) return;
  step_message(m);
  release_waiting();
}

void RaftCore::step_message(const Message& m) {
  if (m.type == Message::Type::propose) {
    auto& taken = forwards_taken_[m.from];
    if (std::make_pair(m.context, m.index) <= taken) return;  // taken already (or overtaken)
    taken = {m.context, m.index};
    propose_entries(m.entries);
    return;
  }
  if (m.term > term_) {
    if (is_vote_request(m.type) && config_.check_quorum && leader_ != 0 &&
        election_elapsed_ < config_.election_ticks && m.context != kForcedCampaign) {
      return;  // we heard from a leader within the timeout: keep following it
    }
    if (m.type == Message::Type::pre_vote) {
      // A pre-vote changes nobody's term.
    } else if (m.type == Message::Type::pre_vote_response && !m.reject) {
      // Granted pre-votes carry the term we would campaign in.
    } else {
      const bool from_leader = m.type == Message::Type::append || m.type == Message::Type::heartbeat;
      become_follower(m.term, from_leader ? m.from : 0);
    }
  } else if (m.term < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type == Message::Type::append || m.type == Message::Type::heartbeat)) {
      // A leader from an older term, perhaps back from a partition: tell it
      // our term so it steps down.
      Message r;
      r.type = Message::Type::append_response;
      r.to = m.from;
      send(std::move(r));
    } else if (m.type == Message::Type::pre_vote) {
      Message r;
      r.type = Message::Type::pre_vote_response;
      r.to = m.from;
      r.reject = true;
      send(std::move(r));
    }
    return;
  }

  if (is_vote_request(m.type)) {
    handle_vote_request(m);
    return;
  }
  switch (role_) {
    case Role::leader: step_leader(m); break;
    case Role::candidate:
    case Role::pre_candidate: step_candidate(m); break;
    case Role::follower: step_follower(m); break;
  }
}

void RaftCore::handle_vote_request(const Message& m) {
  // §5.2, §5.4.1: one vote per term, for a candidate at least as up to date.
  const bool pre = m.type == Message::Type::pre_vote;
  const bool can_vote = vote_ == m.from || (vote_ == 0 && leader_ == 0) || (pre && m.term > term_);
  Message r;
  r.type = pre ? Message::Type::pre_vote_response : Message::Type::vote_response;
  r.to = m.from;
  if (can_vote && log_.up_to_date(m.log_term, m.index)) {
    r.term = m.term;
    if (!pre) {
      vote_ = m.from;
      election_elapsed_ = 0;
    }
  } else {
    r.reject = true;
  }
  send(std::move(r));
}

void RaftCore::step_candidate(const Message& m) {
  const auto wanted =
      role_ == Role::pre_candidate ? Message::Type::pre_vote_response : Message::Type::vote_response;
  switch (m.type) {
    case Message::Type::append:
      become_follower(term_, m.from);
      handle_append(m);
      return;
    case Message::Type::heartbeat:
      become_follower(term_, m.from);
      handle_heartbeat(m);
      return;
    default:
      break;
  }
  if (m.type != wanted || !is_voter(m.from)) return;
  votes_[m.from] = !m.reject;
  switch (majority().vote_result(votes_)) {
    case VoteResult::won:
      if (role_ == Role::pre_candidate) {
        become_candidate();
      } else {
        become_leader();
      }
      break;
    case VoteResult::lost:
      become_follower(term_, 0);
      break;
    case VoteResult::pending:
      break;
  }
}

void RaftCore::step_follower(const Message& m) {
  switch (m.type) {
    case Message::Type::append:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_append(m);
      break;
    case Message::Type::heartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_heartbeat(m);
      break;
    case Message::Type::timeout_now:
      // The leader hands over: campaign now, without a pre-vote, and ask the
      // others to set their leader lease aside for it (not with a membership
      // change committed and not applied, as for any campaign).
      if (promotable() && !conf_change_unapplied()) become_candidate(true);
      break;
    case Message::Type::read_index_response:
      read_states_.push_back(ReadState{m.context, m.index});
      break;
    default:
      break;
  }
}

void RaftCore::step_leader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  switch (m.type) {
    case Message::Type::append_response:
      pr.recent_active = true;
      handle_append_response(m);
      break;
    case Message::Type::heartbeat_response:
      pr.recent_active = true;
      pr.probe_sent = false;
      if (pr.state == Progress::State::replicate && pr.inflight.full()) pr.inflight.free_first_one();
      if (pr.match < last_index()) send_append(m.from);
      if (m.context != 0) {
        reads_.ack(m.from, m.context);
        release_confirmed_reads();
      }
      break;
    case Message::Type::read_index: {
      std::vector<ReadAsk> asks;
      for (const auto& e : m.entries) asks.push_back(ReadAsk{e.index, m.from});
      ask_read_points(asks);
      break;
    }
    default:
      break;
  }
}

// ---- replication -------------------------------------------------------------

void RaftCore::send(Message m) {
  m.from = config_.id;
  if (m.term == 0) m.term = term_;
  outbox_.push_back(std::move(m));
}

void RaftCore::send_append(NodeId to) {
  Progress& pr = progress_.at(to);
  if (pr.state == Progress::State::snapshot) {
    // One snapshot at a time; a lost one is tried again after an election timeout.
    if (!pr.snapshot_due(ticks_, static_cast<std::uint64_t>(config_.election_ticks))) return;
    pr.become_probe();
  }
  if (pr.paused()) return;
  if (pr.next < first_index()) {
    // The entries it needs are trimmed: it needs a snapshot.
    pr.become_snapshot(ticks_);
    Message m;
    m.type = Message::Type::snapshot;
    m.to = to;
    m.index = first_index() - 1;
    m.log_term = term_at(first_index() - 1);
    send(std::move(m));
    return;
  }
  Message m;
  m.type = Message::Type::append;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = term_at(m.index);
  m.commit = commit_index();
  m.entries = log_.slice(pr.next, config_.max_entries_per_message, config_.max_bytes_per_message);
  pr.sent_append(m.entries.empty() ? m.index : m.entries.back().index, !m.entries.empty());
  send(std::move(m));
}

void RaftCore::broadcast_append() {
  for (auto& [id, pr] : progress_) send_append(id);
}

void RaftCore::broadcast_heartbeat(std::uint64_t context) {
  // Its acks confirm every read of its round and before.
  reads_.round_sent(context);
  for (auto& [id, pr] : progress_) {
    Message m;
    m.type = Message::Type::heartbeat;
    m.to = id;
    // Never tell a follower to commit past what it is known to hold.
    m.commit = std::min(pr.match, commit_index());
    m.context = context;
    send(std::move(m));
  }
}

void RaftCore::handle_append_response(const Message& m) {
  Progress& pr = progress_.at(m.from);
  if (m.reject) {
    if (!pr.maybe_decrease_to(m.index, m.reject_hint)) return;  // stale
    // A snapshot on its way stays so; otherwise probe from the new next.
    if (pr.state != Progress::State::snapshot) pr.become_probe();
    send_append(m.from);
    return;
  }
  if (!pr.maybe_update(m.index)) {
    // Old news (a duplicate, or a follower reporting its commit index): it
    // still says the follower holds everything up to m.index.
    if (pr.state != Progress::State::replicate) {
      pr.probe_sent = false;
      send_append(m.from);
    }
    return;
  }
  if (pr.state == Progress::State::replicate) {
    pr.inflight.free_to(m.index);
  } else {
    pr.become_replicate();
  }
  if (maybe_commit()) broadcast_append();
  if (transferee_ == m.from && pr.match == last_index()) send_timeout_now(m.from);
  // Keep the pipe full: send what the follower still lacks.
  while (pr.next <= last_index()) {
    const auto before = pr.next;
    send_append(m.from);
    if (pr.next == before) break;  // paused by flow control
  }
}

bool RaftCore::maybe_commit() {
  if (role_ != Role::leader) return false;
  // §5.3/§5.4.2: the highest index held by a quorum (this node counts what it
  // has made durable) commits if it belongs to this leader's term.
#ifdef ACORD_MUTANT_NO_QUORUM
  const Index candidate = stable_index();  // the deliberate bug of a mutant build: commit without a quorum
#else
  const Index candidate = majority().committed_index([this](NodeId id) -> Index {
    if (id == config_.id) return stable_index();
    auto it = progress_.find(id);
    return it == progress_.end() ? 0 : it->second.match;
  });
#endif
  if (candidate <= commit_index() || term_at(candidate) != term_) return false;
  const bool first_in_term = term_at(commit_index()) != term_;
  log_.commit_to(candidate);
  if (first_in_term) {
    ask_read_points(reads_.take_waiting_for_commit());
    append_queued_conf_change();  // the caller sends the appends
  }
  return true;
}

void RaftCore::handle_append(const Message& m) {
  Message r;
  r.type = Message::Type::append_response;
  r.to = m.from;
  if (m.index < commit_index()) {
    r.index = commit_index();  // already committed here: report how far
    send(std::move(r));
    return;
  }
  if (log_.matches(m.index, m.log_term)) {
    log_.merge(m.entries);
    const Index last_new = m.index + m.entries.size();
    log_.commit_to(std::min(m.commit, last_new));
    r.index = last_new;
  } else {
    // §5.3: the logs differ at m.index; the leader backs up (to our last
    // index at most, to skip what we never had).
    r.reject = true;
    r.index = m.index;
    r.reject_hint = std::min(m.index, last_index());
  }
  send(std::move(r));
}

void RaftCore::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  Message r;
  r.type = Message::Type::heartbeat_response;
  r.to = m.from;
  r.context = m.context;
  send(std::move(r));
}

bool RaftCore::conf_change_unapplied() const {
  return log_.last_membership_change(config_.voters_index, commit_index()) != 0;
}

bool RaftCore::restore_snapshot(Index index, Term term, NodeId from) {
  const bool installed = index > commit_index();
  // The log starts afresh after the snapshot (the node's durable log does
  // the same); the leader sends whatever follows.
  if (installed) log_.restore(index, term);
  // Either way the leader learns how far this log is committed, and resumes
  // with appends from there.
  Message r;
  r.type = Message::Type::append_response;
  r.to = from;
  r.index = commit_index();
  send(std::move(r));
  return installed;
}

std::string RaftCore::describe() const {
  static const char* roles[] = {"follower", "pre-candidate", "candidate", "leader"};
  std::string s = "id=" + std::to_string(config_.id) + " " + roles[static_cast<int>(role_)] +
                  " term=" + std::to_string(term_) + " leader=" + std::to_string(leader_) +
                  " log=" + std::to_string(first_index()) + ".." + std::to_string(last_index()) +
                  " stable=" + std::to_string(stable_index()) + " commit=" + std::to_string(commit_index()) +
                  " applied=" + std::to_string(applied_index()) + " voters=";
  for (auto v : config_.voters) s += std::to_string(v) + ",";
  s += "@" + std::to_string(config_.voters_index);
  for (const auto& [id, pr] : progress_) s += " [" + std::to_string(id) + ": " + pr.describe() + "]";
  return s;
}

bool RaftCore::transfer_leadership(NodeId to) {
  if (role_ != Role::leader || to == config_.id || !progress_.count(to)) return false;
  transferee_ = to;
  transfer_elapsed_ = 0;
  if (progress_.at(to).match == last_index()) {
    send_timeout_now(to);
  } else {
    send_append(to);
  }
  return true;
}

NodeId RaftCore::most_caught_up_voter() const {
  if (role_ != Role::leader) return 0;
  NodeId best = 0;
  Index best_match = 0;
  for (const auto& [id, pr] : progress_) {
    if (best == 0 || pr.match > best_match) {
      best = id;
      best_match = pr.match;
    }
  }
  return best;
}

void RaftCore::send_timeout_now(NodeId to) {
  Message m;
  m.type = Message::Type::timeout_now;
  m.to = to;
  send(std::move(m));
}

void RaftCore::trim(Index index) { log_.trim(index); }

}  // namespace acord::raft
