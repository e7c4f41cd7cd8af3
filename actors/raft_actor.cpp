#include "actors/raft_actor.hpp"

#include <algorithm>

#include "actors/log.hpp"
#include "actors/peer_transport.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/limits.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<RaftActorState>;

// Requests wait this many ticks for their proposal or read before timing out.
std::uint64_t timeout_ticks(const RaftActorState& st) {
  return limits::request_timeout_ticks(st.args.tick_ms);
}

void reply_error(const ReplyTo& to, std::uint64_t id, ApiError e) { to.deliver(id, result_of(std::move(e))); }

void process_ready(Self* self);

void schedule_flush(Self* self) {
  if (self->state.flush_scheduled) return;
  self->state.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

// What the core did with proposals: said once when they wait for a leader,
// and each time some are refused (their sessions hear "request timed out").
void note(Self* self, raft::ProposeResult how, std::size_t count) {
  auto& st = self->state;
  if (how == raft::ProposeResult::held && !st.said_waiting) {
    st.said_waiting = true;
    log_warn("no leader: writes wait until one is elected, or until their deadline");
  } else if (how == raft::ProposeResult::dropped) {
    log_warn(std::to_string(count) + " proposals refused: " + std::to_string(st.args.core->waiting_entries()) +
             " wait for a leader already");
  }
}

// The burst's proposals and reads go to the core together.
void flush(Self* self) {
  auto& st = self->state;
  auto& core = *st.args.core;
  st.flush_scheduled = false;
  auto entries = std::move(st.batched_entries);
  auto reads = std::move(st.batched_reads);
  st.batched_entries.clear();
  st.batched_reads.clear();
  if (!entries.empty()) {
    const auto count = entries.size();
    note(self, core.propose_batch(std::move(entries)), count);
  }
  if (!reads.empty()) core.read_index_batch(reads);
}

// Hands a proposal to the core (which appends, forwards or holds it); normal
// ones go with the rest of the burst. The entry's result reaches `reply_to`
// when this node applies it (the waiter is keyed by the proposal's id, which
// this member chose), or "request timed out" at its deadline, set here once.
void propose(Self* self, const protocol::Proposal& p, const ReplyTo& reply_to) {
  auto& st = self->state;
  if (reply_to) st.waiting.add(p.id, reply_to, st.ticks + timeout_ticks(st));
  if (protocol::changes_membership(p.kind)) {
    note(self, st.args.core->propose_conf_change(protocol::encode(p)), 1);
    return;
  }
  st.batched_entries.push_back(protocol::encode(p));
  schedule_flush(self);
}

// Asks the core for a read index (a follower's core asks the leader's; without
// a leader it waits in the core for one), with the rest of the burst.
void request_read_index(Self* self, std::uint64_t ctx) {
  self->state.batched_reads.push_back(ctx);
  schedule_flush(self);
}

void on_role_change(Self* self) {
  auto& st = self->state;
  const auto known_leader = st.args.core->leader();
  st.transfers.take_if([&](std::uint64_t, const RaftActorState::Transfer& t) { return t.target == known_leader; },
                       [](std::uint64_t, RaftActorState::Transfer& t) { t.promise.deliver(result_of(errors::ok())); });
  if (known_leader != 0) st.said_waiting = false;
  const bool leader = st.args.core->role() == raft::Role::leader;
  if (known_leader != st.told_leader || leader != st.was_leader) {
    st.told_leader = known_leader;
    if (st.args.lease_relay) self->send(st.args.lease_relay, leader_atom::value, known_leader, leader);
  }
  if (leader != st.was_leader) {
    // The apply actor keeps lease expiry only while this member leads.
    self->send(st.args.apply, leader_atom::value, leader);
    log_info(std::string(leader ? "became leader" : "stepped down as leader") + " at term " +
             std::to_string(st.args.core->term()));
  }
  if (leader && !st.was_leader) {
    for (auto p : st.args.on_leadership) {
      p.id = next_proposal_id(*st.args.proposal_ids);
      propose(self, p, ReplyTo{});
    }
  }
  st.was_leader = leader;
  // Each member publishes its client urls once it knows a leader.
  if (!st.published && !st.publishing && st.args.core->leader() != 0) {
    st.publishing = true;
    auto p = st.args.publish;
    p.id = next_proposal_id(*st.args.proposal_ids);
    propose(self, p, caf::actor_cast<caf::actor>(self));
  }
}

// A leadership transfer under way: answered once this node sees `target`
// lead (on_role_change), or at the request timeout (expire).
caf::result<ResultPtr> answer_when_leading(Self* self, raft::NodeId target) {
  auto& st = self->state;
  auto rp = self->make_response_promise();
  st.transfers.add(st.next_id++, RaftActorState::Transfer{target, rp}, st.ticks + timeout_ticks(st));
  process_ready(self);
  return rp;
}

// Memory holds only a tail of applied entries; the full log stays on disk until
// the next trim. Dropping in steps keeps the cost of erasing off each write.
void forget_applied(RaftActorState& st) {
  auto& core = *st.args.core;
  const auto keep = st.args.retain_entries;
  constexpr raft::Index step = 1024;
  if (core.applied_index() >= core.first_index() + keep + step) core.trim(core.applied_index() - keep);
}

void deliver_read_states(Self* self, const std::vector<raft::ReadState>& states) {
  auto& st = self->state;
  for (const auto& rs : states) {
    if (auto waiter = st.reads.take(rs.context)) (*waiter)->done(rs.index);
  }
}

void send_messages(Self* self, std::vector<raft::Message> msgs) {
  if (msgs.empty() || (!self->state.args.transport && !self->state.args.network)) return;
  auto batch = std::make_shared<std::vector<raft::Message>>();
  for (auto& m : msgs) {
    if (m.type == raft::Message::Type::snapshot) {
      if (self->state.args.snapshot_transfer) self->send(self->state.args.snapshot_transfer, snapshot_atom::value, m.to);
    } else {
      batch->push_back(std::move(m));
    }
  }
  if (batch->empty()) return;
  if (self->state.args.network) {
    send_raft_messages(*self->state.args.network, *batch);
  } else {
    self->send(self->state.args.transport, outbound_atom::value, RaftMessagesPtr(batch));
  }
}

// A whole snapshot from the leader: installed unless this node is already
// that far (a late or repeated one would throw away entries it holds); the
// leader hears how far it is either way.
void install_snapshot(Self* self, raft::NodeId from, raft::Index index, raft::Term term, const SnapshotBytesPtr& bytes) {
  auto& st = self->state;
  if (st.installing) return;
  if (index <= st.args.core->commit_index()) {
    st.args.core->restore_snapshot(index, term, from);
    process_ready(self);
    return;
  }
  st.installing = true;
  self->request(st.args.apply, caf::infinite, install_atom::value, index, term, bytes).then([=](bool ok) {
    auto& st = self->state;
    st.installing = false;
    if (ok && st.args.core->restore_snapshot(index, term, from)) {
      log_info("installed a snapshot at index " + std::to_string(index) + " from " + cluster::to_hex(from));
    } else if (!ok) {
      log_warn("a snapshot from " + cluster::to_hex(from) + " did not decode; waiting for another");
    }
    process_ready(self);
  });
}

// The entries of a Ready, their bytes moved out rather than copied: advance()
// needs only their indexes and terms, which stay.
std::vector<raft::Entry> take_entries(std::vector<raft::Entry>& entries) {
  std::vector<raft::Entry> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back(raft::Entry{e.term, e.index, e.type, std::move(e.data)});
  return out;
}

void process_ready(Self* self) {
  auto& st = self->state;
  auto& core = *st.args.core;
  while (!st.persisting && core.has_ready()) {
    auto rd = std::make_shared<raft::Ready>(core.ready());
    if (!rd->committed.empty()) {
      // Committed entries are durable already, so they can be applied while the
      // new entries below are being written.
      auto batch = std::make_shared<CommittedBatch>();
      batch->term = core.term();
      for (const auto& e : rd->committed) {
        if (e.type == raft::EntryType::membership || e.data.empty() || st.waiting.empty()) continue;
        auto p = protocol::peek_proposal_origin(e.data);
        if (!p || p->origin != st.args.self_id) continue;
        if (auto reply = st.waiting.take(p->id)) batch->waiters.push_back({e.index, p->id, std::move(*reply)});
      }
      batch->entries = take_entries(rd->committed);
      self->send(st.args.apply, apply_atom::value, CommittedBatchPtr(batch));
    }
    deliver_read_states(self, rd->read_states);
    const bool same_term_and_vote =
        !rd->hard_state || (rd->hard_state->term == st.durable_term && rd->hard_state->vote == st.durable_vote);
    // Raft's promise: entries, a term and a vote are durable before they count
    // and before anyone hears of them. A new commit index alone need not be
    // (etcd-io/raft's MustSync): lost in a crash, it is learned again, and the
    // state machine skips the entries it applied already. So it is not written
    // on its own (a follower would otherwise hold the next append's fsync
    // behind it, every write): it goes with the next write that happens.
    if (rd->entries.empty() && same_term_and_vote) {
      if (rd->hard_state) st.unwritten_commit = rd->hard_state;
      send_messages(self, std::move(rd->messages));
      core.advance(*rd);
      forget_applied(st);
      continue;
    }
    auto ws = std::make_shared<storage::WriteSet>();
    ws->hard_state = rd->hard_state ? rd->hard_state : st.unwritten_commit;
    st.unwritten_commit.reset();
    ws->entries = take_entries(rd->entries);
    st.persisting = true;
    ws->sync = true;
    if (core.role() == raft::Role::leader && same_term_and_vote) {
      // The leader's appends go out now; its own write and the followers'
      // writes overlap. Its own entries count toward commit only once durable.
      send_messages(self, std::move(rd->messages));
      rd->messages.clear();
    }
    self->request(st.args.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([=](bool) {
      self->state.persisting = false;
      if (rd->hard_state) {
        self->state.durable_term = rd->hard_state->term;
        self->state.durable_vote = rd->hard_state->vote;
      }
      send_messages(self, std::move(rd->messages));
      self->state.args.core->advance(*rd);
      forget_applied(self->state);
      process_ready(self);
    });
  }
  on_role_change(self);
}

void expire(Self* self) {
  auto& st = self->state;
  st.waiting.expire(st.ticks, [](std::uint64_t id, ReplyTo& r) { reply_error(r, id, errors::timeout()); });
  st.reads.expire(st.ticks, [](std::uint64_t, ReadIndexWaiterPtr& w) { w->done(std::nullopt); });
  st.transfers.expire(st.ticks, [](std::uint64_t, RaftActorState::Transfer& t) {
    t.promise.deliver(result_of(errors::leader_transfer_timeout()));
  });
}

// The member stops: whoever still waits on this actor hears so now, as
// etcd's "server stopped", rather than at its deadline (which would hold up
// the shutdown, and a removed member's exit, for a request timeout).
void answer_everyone_stopped(RaftActorState& st) {
  st.waiting.drain([](std::uint64_t id, ReplyTo& r) { reply_error(r, id, errors::stopped()); });
  st.reads.drain([](std::uint64_t, ReadIndexWaiterPtr& w) { w->done(std::nullopt); });
  st.transfers.drain([](std::uint64_t, RaftActorState::Transfer& t) { t.promise.deliver(result_of(errors::stopped())); });
}

}  // namespace

caf::behavior raft_actor(Self* self, RaftActorArgs args) {
  self->state.args = std::move(args);
  self->state.durable_term = self->state.args.core->term();
  self->state.durable_vote = self->state.args.core->vote();
  self->state.member = self->state.args.core->promotable();
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    answer_everyone_stopped(self->state);
    self->quit(msg.reason);
  });
  self->delayed_send(self, std::chrono::milliseconds(self->state.args.tick_ms), tick_atom::value);
  return {
      [=](start_atom) {
        // Apply what was committed before a restart. A single voter stands for
        // election at once; members of a larger cluster wait for their timeout.
        process_ready(self);
        auto& core = *self->state.args.core;
        if (core.role() != raft::Role::leader && core.quorum_size() == 1) core.campaign();
        process_ready(self);
      },
      [=](tick_atom) {
        auto& st = self->state;
        ++st.ticks;
        expire(self);
        st.args.core->tick();
        // Without a leader for a long while: say where this member stands.
        if (st.args.core->leader() != 0) {
          st.leaderless_ticks = 0;
        } else if (++st.leaderless_ticks % limits::leaderless_report_ticks == 0) {
          log_warn("no leader for " + std::to_string(st.leaderless_ticks) + " ticks: " + st.args.core->describe() +
                   (st.args.network ? "; " + st.args.network->describe() : std::string()));
        }
        process_ready(self);
        self->delayed_send(self, std::chrono::milliseconds(st.args.tick_ms), tick_atom::value);
      },
      [=](flush_atom) {
        flush(self);
        process_ready(self);
      },
      [=](propose_atom, const ProposalRequestPtr& req) {
        auto& st = self->state;
        if (st.waiting.size() >= limits::pending_proposals_max) {
          reply_error(req->reply_to, req->proposal.id, errors::too_many_requests());
          return;
        }
        propose(self, req->proposal, req->reply_to);
        process_ready(self);
      },
      [=](inbound_atom, const RaftMessagesPtr& msgs) {
        for (const auto& m : *msgs) self->state.args.core->step(m);
        process_ready(self);
      },
      [=](install_atom, raft::NodeId from, raft::Index index, raft::Term term, const SnapshotBytesPtr& bytes) {
        install_snapshot(self, from, index, term, bytes);
      },
      [=](readidx_atom, const ReadIndexWaiterPtr& waiter) {
        // ReadIndex (§6.4): the leader confirms it still leads with a quorum
        // round; a follower asks the leader. The reader then waits until its
        // own node has applied that index.
        auto& st = self->state;
        const auto ctx = st.next_id++;
        st.reads.add(ctx, waiter, st.ticks + timeout_ticks(st));
        request_read_index(self, ctx);
        process_ready(self);
      },
      [=](transfer_atom, raft::NodeId target) -> caf::result<ResultPtr> {
        // etcdctl move-leader: only the leader hands over, to another member;
        // the answer waits until this node sees the target lead.
        auto& st = self->state;
        auto& core = *st.args.core;
        if (core.role() != raft::Role::leader) return result_of(errors::not_leader());
        if (target == st.args.self_id) return result_of(errors::ok());
        if (!core.transfer_leadership(target)) return result_of(errors::bad_leader_transferee());
        return answer_when_leading(self, target);
      },
      [=](handover_atom) -> caf::result<ResultPtr> {
        // The member is stopping: as etcd's does, a leader first hands over to
        // the voter most caught up, so the others need not wait out an
        // election timeout to find it gone. Answered once that voter leads
        // here (or the transfer's deadline passes); a follower has nothing to do.
        auto& st = self->state;
        auto& core = *st.args.core;
        const auto target = core.most_caught_up_voter();
        if (target == 0 || !core.transfer_leadership(target)) return result_of(errors::ok());
        log_info("stopping: handing leadership over to " + cluster::to_hex(target));
        return answer_when_leading(self, target);
      },
      [=](result_atom, std::uint64_t, const ResultPtr& r) {
        // The outcome of this member's publish entry.
        self->state.publishing = false;
        self->state.published = r->error.ok();
      },
      [=](conf_atom, raft::Index index, const MembershipPtr& membership) {
        // The apply actor applied a membership entry (or a snapshot): Raft
        // counts the new voters, the transport reaches the new peers, and the
        // next queued change may go.
        auto& st = self->state;
        st.args.core->apply_conf_change(index, cluster::voter_ids(membership->members));
        if (st.args.transport) self->send(st.args.transport, members_atom::value, membership);
        const bool member = std::any_of(membership->members.begin(), membership->members.end(),
                                        [&](const cluster::Member& m) { return m.id == st.args.self_id; });
        if (st.member && !member) {
          log_warn("the member has been permanently removed from the cluster");
          if (st.args.on_removed) st.args.on_removed();
        }
        st.member = member;
        // A single voter (a new cluster's, or the last one left) leads at once.
        auto& core = *st.args.core;
        if (core.role() != raft::Role::leader && core.quorum_size() == 1 && core.promotable()) core.campaign();
        process_ready(self);
      },
      [=](abandon_atom) { answer_everyone_stopped(self->state); },
      [=](status_atom) {
        const auto& core = *self->state.args.core;
        return RaftStatus{core.term(), core.leader(), core.last_index(), core.commit_index()};
      },
      [=](trim_atom, raft::Index durable_applied) {
        // Keep a tail of applied entries; drop the rest from disk and memory.
        // Memory may have dropped them already (it trims in steps, at what it
        // handed out, which the apply actor may not have reached): the term
        // of the last one dropped is known all the same.
        auto& core = *self->state.args.core;
        const auto retain = self->state.args.retain_entries;
        if (durable_applied <= retain) return;
        const raft::Index last_dropped = durable_applied - retain;
        // Past where the disk log already starts (the term history's floor).
        const auto term = core.known_term(last_dropped);
        if (!term || last_dropped <= core.term_floor()) return;
        auto ws = std::make_shared<storage::WriteSet>();
        ws->trim_log = storage::LogStart{last_dropped + 1, *term};
        self->request(self->state.args.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([](bool) {});
        core.trim(last_dropped);
        core.forget_terms_below(last_dropped);
      },
  };
}

}  // namespace acord::actors
