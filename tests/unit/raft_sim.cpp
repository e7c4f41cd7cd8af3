#include "raft_sim.hpp"

#include <algorithm>
#include <stdexcept>

namespace acord::raft::sim {
namespace {
std::string describe(const char* property, std::uint64_t step) {
  return std::string(property) + " violated at step " + std::to_string(step);
}
}  // namespace

Cluster::Cluster(int members, std::uint64_t seed, Faults faults) : rng_(seed), faults_(faults) {
  for (int i = 1; i <= members; ++i) ids_.push_back(static_cast<NodeId>(i));
  conf_history_[0] = ids_;
  for (int i = 1; i <= faults.spares; ++i) ids_.push_back(static_cast<NodeId>(members + i));
  for (NodeId id : ids_) {
    Node n;
    n.id = id;
    nodes_[id] = std::move(n);
  }
  for (NodeId id : ids_) start(node(id));
}

Cluster::Node& Cluster::node(NodeId id) { return nodes_.at(id); }

void Cluster::record(std::uint64_t x) {
  trace_hash_ ^= x;
  trace_hash_ *= 1099511628211ULL;  // FNV-1a over the trace
}

void Cluster::start(Node& n) {
  Config c;
  c.id = n.id;
  // Who votes as of its durable state machine; later changes are applied
  // again from its log.
  c.voters = voters_at(n.snap_index);
  c.voters_index = n.snap_index;
  n.voters = c.voters;
  c.election_ticks = 10;
  c.heartbeat_ticks = 1;
  c.seed = rng_();
  c.max_inflight_messages = 4;
  c.max_entries_per_message = 8;
  c.epoch = ++n.starts;
  c.max_wait_ticks = 40;
  Restored r;
  r.hard_state = n.hard_state;
  r.entries = n.log;
  r.first_index = n.snap_index + 1;
  r.term_before_first = n.snap_term;
  r.applied = n.snap_index;
  n.applied = n.snap_index;
  n.core = std::make_unique<RaftCore>(c, r);
}

bool Cluster::blocked(NodeId from, NodeId to) const {
  return std::find(cut_.begin(), cut_.end(), std::make_pair(from, to)) != cut_.end();
}

void Cluster::process_ready(Node& n) {
  while (n.core && n.core->has_ready()) {
    Ready rd = n.core->ready();
    // Persist first (§5: state must be durable before a message depending on
    // it leaves the node).
    if (rd.hard_state) n.hard_state = *rd.hard_state;
    if (!rd.entries.empty()) {
      n.log.resize(rd.entries.front().index - 1 - n.snap_index);
      n.log.insert(n.log.end(), rd.entries.begin(), rd.entries.end());
    }
    std::uniform_real_distribution<double> coin(0, 1);
    std::uniform_int_distribution<int> delay(0, faults_.max_delay_ticks);
    for (auto m : rd.messages) {
      if (m.type == Message::Type::snapshot) {
        // The node answers with its state machine as of what it applied (at
        // least what Raft asked for: it never trims past what it applied).
        m.index = n.applied;
        m.log_term = n.core->term_at(n.applied);
      }
      record(static_cast<std::uint64_t>(m.type) * 31 + m.from * 7 + m.to + m.index * 131 + m.term * 8191);
      if (coin(rng_) < faults_.drop) continue;
      network_.push_back({now_ + static_cast<std::uint64_t>(delay(rng_)), seq_++, m});
      if (coin(rng_) < faults_.duplicate) network_.push_back({now_ + static_cast<std::uint64_t>(delay(rng_)), seq_++, m});
    }
    for (const auto& rs : rd.read_states) check_read(n, rs);
    for (const auto& e : rd.committed) {
      // State machine safety: every member applies the same entry at an index.
      if (e.index != n.applied + 1) throw std::logic_error(describe("apply in order", now_));
      auto [it, fresh] = committed_.emplace(e.index, Committed{e.term, e.data, n.core->term()});
      if (!fresh && (it->second.term != e.term || it->second.data != e.data)) {
        throw std::logic_error(describe("state machine safety", now_) + " at index " + std::to_string(e.index));
      }
      n.applied = e.index;
      if (fresh) check_committed_once(e);
      if (e.type == EntryType::conf_change) apply_membership(n, e);
      record(e.index * 17 + e.term);
    }
    n.core->advance(rd);
  }
  if (n.core) maybe_trim(n);
}

void Cluster::maybe_trim(Node& n) {
  std::uniform_real_distribution<double> coin(0, 1);
  if (n.core->applied_index() < n.core->first_index() + 40 || coin(rng_) >= faults_.trim) return;
  const Index upto = n.core->applied_index() - 10;
  const Term term = n.core->term_at(upto);
  // (The state machine as of `upto` includes its voters: voters_at(upto).)
  n.core->trim(upto);
  // Durably: the state machine as of `upto` stands in for the entries before it.
  n.log.erase(n.log.begin(), n.log.begin() + static_cast<std::ptrdiff_t>(upto - n.snap_index));
  n.snap_index = upto;
  n.snap_term = term;
}

void Cluster::install_snapshot(Node& n, const Message& m) {
  // The snapshot's content is the committed prefix up to m.index: every
  // member that applied those entries applied the same ones (checked above).
  if (!n.core->restore_snapshot(m.index, m.log_term, m.from)) return;
  for (Index i = n.applied + 1; i <= m.index; ++i) {
    if (!committed_.count(i)) throw std::logic_error(describe("snapshot of uncommitted state", now_));
  }
  n.snap_index = m.index;
  n.snap_term = m.log_term;
  n.log = n.core->entries();
  n.applied = m.index;
  n.voters = voters_at(m.index);
  n.core->apply_conf_change(m.index, n.voters);
  record(0x5a9 + m.index);
  ++snapshots_;
  process_ready(n);
}

void Cluster::deliver() {
  // Deliver in (time, sequence) order: random delays reorder messages.
  std::stable_sort(network_.begin(), network_.end(),
                   [](const InFlight& a, const InFlight& b) { return std::tie(a.deliver_at, a.seq) < std::tie(b.deliver_at, b.seq); });
  std::vector<InFlight> later;
  std::vector<Message> due;
  for (auto& f : network_) {
    if (f.deliver_at > now_) {
      later.push_back(std::move(f));
    } else {
      due.push_back(std::move(f.m));
    }
  }
  network_ = std::move(later);
  for (auto& m : due) {
    if (blocked(m.from, m.to)) continue;
    Node& to = node(m.to);
    if (!to.core) continue;
    if (to.paused_until > now_) {
      // Waits in the network (the socket's buffer) until the node runs again.
      network_.push_back({to.paused_until, seq_++, std::move(m)});
      continue;
    }
    if (m.type == Message::Type::snapshot) {
      install_snapshot(to, m);
      continue;
    }
    to.core->step(m);
    process_ready(to);
  }
}

void Cluster::inject_faults() {
  std::uniform_real_distribution<double> coin(0, 1);
  for (NodeId id : ids_) {
    Node& n = node(id);
    if (n.core && n.paused_until == now_ + 1 && coin(rng_) < 0.5) {
      // Running again next step, before it hears anything: a client's read
      // reaches it first.
      n.paused_until = 0;
      ask_read(n);
    } else if (running(n) && coin(rng_) < faults_.pause) {
      n.paused_until = now_ + 5 + rng_() % 36;
      record(0x9a05e + id);
    } else if (n.core && coin(rng_) < faults_.crash) {
      n.core.reset();  // loses everything not durable: only hard_state and log remain
      n.paused_until = 0;
      // Its connections die with it: what was on its way to it is lost (what
      // it sent may still arrive).
      network_.erase(std::remove_if(network_.begin(), network_.end(), [&](const InFlight& f) { return f.m.to == id; }),
                     network_.end());
      record(0xdead + id);
    } else if (!n.core && coin(rng_) < faults_.restart) {
      start(n);
      record(0xbeef + id);
    }
  }
  if (cut_.empty() && coin(rng_) < faults_.partition) {
    // A random side against the rest; sometimes only one way.
    std::vector<NodeId> side;
    for (NodeId id : ids_) {
      if (coin(rng_) < 0.5) side.push_back(id);
    }
    const bool one_way = coin(rng_) < 0.3;
    for (NodeId a : side) {
      for (NodeId b : ids_) {
        if (std::find(side.begin(), side.end(), b) != side.end()) continue;
        cut_.emplace_back(a, b);
        if (!one_way) cut_.emplace_back(b, a);
      }
    }
  } else if (!cut_.empty() && coin(rng_) < faults_.heal) {
    cut_.clear();
  }
}

void Cluster::step() {
  ++now_;
  deliver();
  std::uniform_real_distribution<double> coin(0, 1);
  for (NodeId id : ids_) {
    Node& n = node(id);
    if (!running(n)) continue;
    n.core->tick();
    process_ready(n);
  }
  if (coin(rng_) < faults_.propose) propose_anywhere();
  maybe_read();
  maybe_reconfigure();
  inject_faults();
  check_invariants();
}

std::vector<NodeId> Cluster::voters_at(Index index) const {
  return std::prev(conf_history_.upper_bound(index))->second;
}

// The application's side of a membership entry ("+id#n" or "-id#n"): the
// voters change, and the core hears of it. As etcd's checks at apply do, the
// application refuses a change that no longer makes sense when it commits
// (here: one leaving fewer than 3 voters, which two removals proposed from
// different members' view of the membership could).
void Cluster::apply_membership(Node& n, const Entry& e) {
  auto voters = n.voters;
  const NodeId id = std::stoull(e.data.substr(1));
  if (e.data[0] == '+') {
    if (std::find(voters.begin(), voters.end(), id) == voters.end()) voters.push_back(id);
  } else if (voters.size() > 3) {
    voters.erase(std::remove(voters.begin(), voters.end(), id), voters.end());
  }
  std::sort(voters.begin(), voters.end());
  auto [it, fresh] = conf_history_.emplace(e.index, voters);
  if (!fresh && it->second != voters) throw std::logic_error(describe("membership agreement", now_));
  n.voters = voters;
  n.core->apply_conf_change(e.index, voters);
}

void Cluster::maybe_reconfigure() {
  std::uniform_real_distribution<double> coin(0, 1);
  if (coin(rng_) >= faults_.reconfigure) return;
  for (NodeId id : ids_) {
    Node& n = node(id);
    // Proposed whether or not a change is pending: the leader queues it (and
    // a follower forwards it), so the one-at-a-time rule is what keeps them apart.
    if (!running(n) || n.core->role() != Role::leader) continue;
    const auto& voters = n.core->voters();
    std::vector<NodeId> spare;
    for (NodeId x : ids_) {
      if (std::find(voters.begin(), voters.end(), x) == voters.end()) spare.push_back(x);
    }
    const bool add = voters.size() < 5 && !spare.empty() && (voters.size() <= 3 || coin(rng_) < 0.5);
    std::string change;
    if (add) {
      change = "+" + std::to_string(spare[rng_() % spare.size()]);
    } else if (voters.size() > 3) {
      change = "-" + std::to_string(voters[rng_() % voters.size()]);
    } else {
      return;
    }
    change += "#" + std::to_string(conf_proposals_++);
    // Made on the leader, or on a member that forwards it (or holds it).
    Node& via = coin(rng_) < 0.5 ? n : node(ids_[rng_() % ids_.size()]);
    if (!running(via)) return;
    const auto how = via.core->propose_conf_change(change);
    proposed_[change] = how;
    record(0xc0f + via.core->last_index() + static_cast<std::uint64_t>(how));
    process_ready(via);
    return;
  }
}

// A linearizable read on a random member: it asks its core for a read point
// (a follower's core asks the leader's), which must come back at or past
// every write a client could have heard of when it asked.
void Cluster::maybe_read() {
  std::uniform_real_distribution<double> coin(0, 1);
  if (coin(rng_) >= faults_.read) return;
  Node& n = node(ids_[rng_() % ids_.size()]);
  if (running(n)) ask_read(n);
}

void Cluster::ask_read(Node& n) {
  const auto ctx = next_read_++;
  const bool leads = n.core->role() == Role::leader;
  n.core->read_index(ctx);  // without a leader, it waits for one in the core
  reads_[ctx] = PendingRead{n.id, leads, committed_on_quorum()};
  record(0x7ead + ctx);
  process_ready(n);
}

void Cluster::check_read(const Node& n, const ReadState& rs) {
  auto it = reads_.find(rs.context);
  // A read of an earlier life of this node (it crashed since), answered late:
  // nobody waits for it.
  if (it == reads_.end()) return;
  if (it->second.node != n.id) throw std::logic_error(describe("read point delivered to the member that asked", now_));
  if (rs.index < it->second.must_reach) {
    throw std::logic_error(describe("ReadIndex linearizability", now_) + ": read point " + std::to_string(rs.index) +
                           " on " + std::to_string(n.id) + " below " + std::to_string(it->second.must_reach) +
                           ", applied before the read was asked");
  }
  ++reads_served_;
  if (!it->second.asked_leader) ++reads_forwarded_;
  reads_.erase(it);
}

void Cluster::propose_anywhere() {
  Node& n = node(ids_[rng_() % ids_.size()]);
  if (!running(n)) return;
  const auto data = "v" + std::to_string(proposals_++);
  const auto how = n.core->propose(data);
  proposed_[data] = how;
  record(0x960 + n.id * 5 + static_cast<std::uint64_t>(how));
  process_ready(n);
}

// No proposal is committed twice, nor anything nobody proposed: forwarding and
// holding neither duplicate nor invent entries.
void Cluster::check_committed_once(const Entry& e) {
  if (e.data.empty()) return;  // a leader's no-op
  auto [it, fresh] = committed_at_.emplace(e.data, e.index);
  if (!fresh && it->second != e.index) {
    throw std::logic_error(describe("a proposal commits once", now_) + ": " + e.data + " at " +
                           std::to_string(it->second) + " and " + std::to_string(e.index));
  }
  auto how = proposed_.find(e.data);
  if (how == proposed_.end()) throw std::logic_error(describe("only proposals commit", now_) + ": " + e.data);
  ++committed_by_path_[how->second];
}

Index Cluster::propose(const std::string& data) {
  for (NodeId id : ids_) {
    Node& n = node(id);
    if (running(n) && n.core->role() == Role::leader && n.core->propose(data) == ProposeResult::appended) {
      proposed_[data] = ProposeResult::appended;
      const Index index = n.core->last_index();
      process_ready(n);
      return index;
    }
  }
  return 0;
}

void Cluster::check_invariants() {
  for (NodeId id : ids_) {
    const Node& n = nodes_.at(id);
    if (!n.core || n.core->role() != Role::leader) continue;
    // Election safety (§5.2): at most one leader per term.
    auto [it, fresh] = leaders_.emplace(n.core->term(), id);
    if (!fresh && it->second != id) throw std::logic_error(describe("election safety", now_));
    // Leader completeness (§5.4): a leader of a later term holds every
    // committed entry (a stale leader of an older term need not).
    for (const auto& [index, te] : committed_) {
      if (index < n.core->first_index() || n.core->term() <= te.seen_in_term) continue;
      if (n.core->term_at(index) != te.term) {
        throw std::logic_error(describe("leader completeness", now_) + " at index " + std::to_string(index) +
                               ": leader " + std::to_string(id) + " of term " + std::to_string(n.core->term()) +
                               " has term " + std::to_string(n.core->term_at(index)) + " (last index " +
                               std::to_string(n.core->last_index()) + "), committed term " +
                               std::to_string(te.term));
      }
    }
  }
  // Log matching (§5.3): same index and term means the same entry and the same
  // history before it.
  for (std::size_t a = 0; a < ids_.size(); ++a) {
    for (std::size_t b = a + 1; b < ids_.size(); ++b) {
      const Node& x = nodes_.at(ids_[a]);
      const Node& y = nodes_.at(ids_[b]);
      if (!x.core || !y.core) continue;
      const Index common = std::min(x.core->last_index(), y.core->last_index());
      bool matched = false;
      const Index lowest = std::max(x.core->first_index(), y.core->first_index());
      for (Index i = common; i >= lowest; --i) {
        const Term tx = x.core->term_at(i), ty = y.core->term_at(i);
        if (tx == 0 || ty == 0) break;
        if (matched && (tx != ty || x.core->entries()[i - x.core->first_index()].data !=
                                        y.core->entries()[i - y.core->first_index()].data)) {
          throw std::logic_error(describe("log matching", now_) + " at index " + std::to_string(i));
        }
        if (tx == ty) matched = true;
      }
    }
  }
}

void Cluster::heal_all() {
  cut_.clear();
  faults_ = Faults{0, 0, faults_.max_delay_ticks, 0, 0, 0, 0, faults_.propose, faults_.trim, 0, faults_.spares,
                   faults_.read, 0};
  for (NodeId id : ids_) {
    node(id).paused_until = 0;
    if (!node(id).core) start(node(id));
  }
}

NodeId Cluster::stable_leader() const {
  NodeId leader = 0;
  Term best = 0;
  for (NodeId id : ids_) {
    const Node& n = nodes_.at(id);
    if (n.core && n.core->role() == Role::leader && n.core->term() >= best) {
      best = n.core->term();
      leader = id;
    }
  }
  if (leader == 0) return 0;
  // Every voter the leader knows follows it (a removed member may not).
  for (NodeId id : nodes_.at(leader).core->voters()) {
    const Node& n = nodes_.at(id);
    if (n.core && (n.core->term() != best || n.core->leader() != leader)) return 0;
  }
  return leader;
}

std::string Cluster::dump() const {
  std::string s;
  for (NodeId id : ids_) {
    const Node& n = nodes_.at(id);
    s += n.core ? n.core->describe() : "id=" + std::to_string(id) + " down";
    s += "\n";
  }
  return s;
}

Index Cluster::committed_on_quorum() const { return committed_.empty() ? 0 : committed_.rbegin()->first; }

}  // namespace acord::raft::sim
