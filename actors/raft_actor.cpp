#include "actors/raft_actor.hpp"

#include "core/limits.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<RaftActorState>;

void reply_error(Self* self, const caf::actor& to, std::uint64_t id, ApiError e) {
  if (!to) return;
  auto r = std::make_shared<Result>();
  r->error = std::move(e);
  self->send(to, result_atom::value, id, r);
}

// Raft §6.4 (ReadIndex): the commit index answers a read only once this
// leader has committed an entry of its own term; before that, an entry of an
// earlier leader might be committed without this node knowing it.
bool can_serve_reads(const raft::RaftCore& core) {
  return core.role() == raft::Role::leader && core.term_at(core.commit_index()) == core.term();
}

void propose_local(Self* self, const protocol::Proposal& p, const caf::actor& reply_to) {
  auto& st = self->state;
  if (st.args.core->propose(protocol::encode(p)) != raft::ProposeResult::ok) {
    reply_error(self, reply_to, p.id, errors::no_leader());
    return;
  }
  if (reply_to) {
    constexpr std::uint64_t timeout_ticks = limits::request_timeout_ms / limits::raft_tick_ms;
    st.waiting.emplace(st.args.core->last_index(), RaftActorState::Waiter{p.id, reply_to, st.ticks + timeout_ticks});
  }
}

void on_role_change(Self* self) {
  auto& st = self->state;
  const bool leader = st.args.core->role() == raft::Role::leader;
  if (leader && !st.was_leader) {
    for (const auto& p : st.args.on_leadership) propose_local(self, p, caf::actor{});
  }
  if (!leader && st.was_leader) {
    // Entries this node proposed may never commit now: their sessions get
    // "request timed out" when their deadline passes (see tick), as in etcd;
    // held reads fail at once.
    for (auto& rp : st.held_reads) rp.deliver(caf::make_error(caf::sec::request_timeout));
    st.held_reads.clear();
  }
  st.was_leader = leader;
}

void release_reads(Self* self) {
  auto& st = self->state;
  if (st.held_reads.empty() || !can_serve_reads(*st.args.core)) return;
  for (auto& rp : st.held_reads) rp.deliver(st.args.core->commit_index());
  st.held_reads.clear();
}

// Memory holds only a tail of applied entries; the full log stays on disk until
// the next trim. Dropping in steps keeps the cost of erasing off each write.
void forget_applied(RaftActorState& st) {
  auto& core = *st.args.core;
  const auto keep = st.args.retain_entries;
  constexpr raft::Index step = 1024;
  if (core.applied_index() >= core.first_index() + keep + step) core.trim(core.applied_index() - keep);
}

void process_ready(Self* self) {
  auto& st = self->state;
  auto& core = *st.args.core;
  on_role_change(self);
  while (!st.persisting && core.has_ready()) {
    auto rd = std::make_shared<raft::Ready>(core.ready());
    if (!rd->committed.empty()) {
      // Committed entries are durable already, so they can be applied while the
      // new entries below are being written.
      auto batch = std::make_shared<CommittedBatch>();
      batch->term = core.term();
      for (const auto& e : rd->committed) {
        auto w = st.waiting.find(e.index);
        if (w != st.waiting.end()) {
          batch->waiters.push_back({e.index, w->second.proposal_id, std::move(w->second.session)});
          st.waiting.erase(w);
        }
      }
      batch->entries = rd->committed;
      self->send(st.args.apply, apply_atom::value, CommittedBatchPtr(batch));
    }
    if (!rd->hard_state && rd->entries.empty()) {
      core.advance(*rd);
      forget_applied(st);
      continue;
    }
    auto ws = std::make_shared<storage::WriteSet>();
    ws->hard_state = rd->hard_state;
    ws->entries = rd->entries;
    ws->sync = true;  // Raft's promise: durable before it counts
    st.persisting = true;
    self->request(st.args.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([=](bool) {
      self->state.persisting = false;
      self->state.args.core->advance(*rd);
      forget_applied(self->state);
      process_ready(self);
    });
  }
  release_reads(self);
}

}  // namespace

caf::behavior raft_actor(Self* self, RaftActorArgs args) {
  self->state.args = std::move(args);
  self->delayed_send(self, std::chrono::milliseconds(limits::raft_tick_ms), tick_atom::value);
  return {
      [=](start_atom) {
        // Apply what was committed before a restart, then stand for election at
        // once: with a single voter there is nobody to wait for.
        process_ready(self);
        self->state.args.core->campaign();
        process_ready(self);
      },
      [=](tick_atom) {
        auto& st = self->state;
        ++st.ticks;
        for (auto it = st.waiting.begin(); it != st.waiting.end();) {
          if (it->second.expires_at_tick > st.ticks) {
            ++it;
            continue;
          }
          reply_error(self, it->second.session, it->second.proposal_id, errors::timeout());
          it = st.waiting.erase(it);
        }
        st.args.core->tick();
        process_ready(self);
        self->delayed_send(self, std::chrono::milliseconds(limits::raft_tick_ms), tick_atom::value);
      },
      [=](propose_atom, const ProposalRequestPtr& req) {
        auto& st = self->state;
        if (st.args.core->role() != raft::Role::leader) {
          reply_error(self, req->reply_to, req->proposal.id, errors::no_leader());
          return;
        }
        if (st.waiting.size() >= limits::pending_proposals_max) {
          reply_error(self, req->reply_to, req->proposal.id, errors::too_many_requests());
          return;
        }
        propose_local(self, req->proposal, req->reply_to);
        process_ready(self);
      },
      [=](readidx_atom) -> caf::result<raft::Index> {
        auto& st = self->state;
        if (st.args.core->role() != raft::Role::leader) return caf::make_error(caf::sec::request_timeout);
        if (can_serve_reads(*st.args.core)) return st.args.core->commit_index();
        auto rp = self->make_response_promise();
        st.held_reads.push_back(rp);
        return rp;
      },
      [=](status_atom) {
        const auto& core = *self->state.args.core;
        return RaftStatus{core.term(), core.leader(), core.last_index(), core.commit_index()};
      },
      // Acknowledgements of unsynced writes need no action.
      [](bool) {},
      [=](trim_atom, raft::Index durable_applied) {
        // Keep a tail of applied entries; drop the rest from disk and memory.
        auto& core = *self->state.args.core;
        const auto retain = self->state.args.retain_entries;
        if (durable_applied <= retain) return;
        const raft::Index last_dropped = durable_applied - retain;
        if (last_dropped < core.first_index()) return;
        auto ws = std::make_shared<storage::WriteSet>();
        ws->trim_log = storage::LogStart{last_dropped + 1, core.term_at(last_dropped)};
        self->send(self->state.args.storage, write_atom::value, WriteSetPtr(ws));
        core.trim(last_dropped);
      },
  };
}

}  // namespace acord::actors
