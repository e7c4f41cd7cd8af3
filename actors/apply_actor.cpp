#include "actors/apply_actor.hpp"

#include <algorithm>

#include "actors/clock.hpp"
#include "actors/log.hpp"

#include "core/limits.hpp"
#include "storage/etcd_snapshot.hpp"
#include "storage/snapshot.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<ApplyActorState>;

// Raft learns who votes as of `index`, and the transport who its peers are.
void announce_membership(Self* self, const protocol::Membership& m, raft::Index index) {
  if (self->state.raft) {
    self->send(self->state.raft, conf_atom::value, index, MembershipPtr(std::make_shared<protocol::Membership>(m)));
  }
}

// While reads wait, look for expired ones every so often.
void arm_read_expiry(Self* self) {
  auto& st = self->state;
  if (st.read_expiry_armed || st.held_reads.empty()) return;
  st.read_expiry_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(limits::read_expiry_check_ms), expire_reads_atom::value);
}

// Reads waiting for an applied index this node has now reached: read under
// one lock, answered after it.
void serve_held_reads(ApplyActorState& st) {
  if (st.held_reads.empty()) return;
  std::vector<std::pair<ReadRequestPtr, ResultPtr>> served;
  {
    auto machine = st.machine->read();
    auto end = st.held_reads.upper_bound(machine->state().applied_index);
    for (auto it = st.held_reads.begin(); it != end; ++it) served.emplace_back(it->second, machine->read(*it->second->request));
    st.held_reads.erase(st.held_reads.begin(), end);
  }
  for (auto& [r, result] : served) r->reply.deliver(0, std::move(result));
}

// What one batch made durable-to-be, taken while the machine was locked.
struct Changes {
  std::shared_ptr<storage::WriteSet> writes;
  raft::Index applied = 0;
  std::int64_t revision = 0;
  std::uint64_t installs = 0;
};

void persist(Self* self, const Changes& c) {
  auto& st = self->state;
  // Once the write is in RocksDB (synced or not, it is readable there), the
  // store may drop the superseded values it holds up to this revision.
  auto written = [self, revision = c.revision, installs = c.installs] {
    self->state.machine->write()->values_durable(installs, revision);
  };
  if (c.applied - st.last_trim < st.snapshot_count) {
    // Not synced: the log holds these entries durably, and a restart applies
    // again whatever this write had not yet made durable.
    self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(c.writes)).then([=](bool) { written(); });
    return;
  }
  st.last_trim = c.applied;
  c.writes->sync = true;
  self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(c.writes))
      .then([=, applied = c.applied](bool) {
        written();
        self->send(self->state.raft, trim_atom::value, applied);
      });
}

void apply_batch(Self* self, const CommittedBatch& batch) {
  auto& st = self->state;
  bool term_rose = false;
  // Answered only after the batch's events went to the watch actor: a client
  // that hears of its write, or reads it on another thread (a serializable
  // read), and then starts a watch must find the watch actor at that revision
  // already. So the events are sent before the lock goes (a mailbox enqueue).
  std::vector<std::pair<const CommittedBatch::Waiter*, ResultPtr>> answers;
  std::vector<std::pair<raft::Index, protocol::Membership>> memberships;
  auto events = std::make_shared<EventBatch>();
  Changes changes;
  {
    auto machine = st.machine->write();
    term_rose = machine->observe_term(batch.term);
    const auto now = monotonic_ms();
    auto waiter = batch.waiters.begin();
    for (const auto& e : batch.entries) {
      auto a = machine->apply(e, now);
      if (!a.fresh) continue;
      if (a.membership) memberships.emplace_back(e.index, machine->state().membership);
      while (waiter != batch.waiters.end() && waiter->index < e.index) ++waiter;
      if (waiter == batch.waiters.end() || waiter->index != e.index) continue;
      const bool ours = a.proposal && a.outcome && a.proposal->id == waiter->proposal_id &&
                        a.proposal->origin == machine->identity().member_id;
      // Another entry took this index (a leader change): the proposal is lost,
      // and its session must not wait forever.
      answers.emplace_back(&*waiter, ours ? std::move(a.outcome) : result_of(errors::timeout()));
    }
    events->events = machine->take_events();
    events->revision = machine->revision();
    events->term = machine->term();
    changes.writes = std::make_shared<storage::WriteSet>(machine->take_changes());
    changes.applied = machine->state().applied_index;
    changes.revision = machine->revision();
    changes.installs = machine->installs();
    // Watch responses carry the current term in their headers.
    if (term_rose && st.watch) self->send(st.watch, term_atom::value, batch.term);
    if (st.watch && !events->events.empty()) self->send(st.watch, events_atom::value, EventBatchPtr(events));
  }
  for (const auto& [index, m] : memberships) announce_membership(self, m, index);
  for (auto& [w, result] : answers) w->reply.deliver(w->proposal_id, std::move(result));
  persist(self, changes);
  serve_held_reads(st);
}

}  // namespace

caf::behavior apply_actor(Self* self, ApplyActorArgs args) {
  // The store it owns throws mvcc::MissingValue when the data directory lost
  // a record: the member stops rather than serve an empty value for it.
  self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr& e) -> caf::error {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log_fatal(x.what());
    }
    log_fatal("the state machine failed");
  });
  auto& st = self->state;
  st.machine = std::move(args.machine);
  st.storage = args.storage;
  st.raft = args.raft;
  st.last_trim = st.machine->read()->state().applied_index;
  st.snapshot_count = args.snapshot_count;
  return {
      [=](apply_atom, const CommittedBatchPtr& batch) { apply_batch(self, *batch); },
      [=](raft_link_atom, const caf::actor& raft) { self->state.raft = raft; },
      [=](abandon_atom) {
        // The member is stopping: reads still waiting for an index are told so.
        auto& st = self->state;
        for (auto& [index, r] : st.held_reads) r->reply.deliver(0, result_of(errors::stopped()));
        st.held_reads.clear();
      },
      [=](watch_link_atom, const caf::actor& watch) {
        self->state.watch = watch;
        const auto revision = self->state.machine->read()->revision();
        self->send(watch, resync_atom::value, revision);
      },
      [=](history_atom, const HistoryRequest& q) {
        // A watch that is behind replays from here (see the watch actor).
        return HistoryPtr(std::make_shared<History>(self->state.machine->read()->history(q.key, q.end, q.from, q.max_events)));
      },
      [=](snapshot_atom) {
        // The whole state machine as of the applied index, for a member that
        // is behind the leader's log, with the index and term it is at.
        auto machine = self->state.machine->read();
        const auto index = machine->state().applied_index;
        const auto term = machine->state().applied_term;
        auto snap = machine->snapshot();
        machine.release();  // encoded without holding the clients' reads off
        return caf::make_message(index, term, SnapshotBytesPtr(std::make_shared<std::string>(storage::encode(snap))));
      },
      [=](etcd_snapshot_atom) {
        // The state as etcd's snapshot file (etcdctl snapshot save): a
        // consistent cut, since nothing is applied while it is built.
        auto input = self->state.machine->read()->etcd_snapshot();
        return SnapshotBytesPtr(std::make_shared<std::string>(storage::etcd_snapshot_file(input)));
      },
      [=](install_atom, raft::Index index, raft::Term term, const SnapshotBytesPtr& bytes) -> caf::result<bool> {
        // Replaces the state machine with a snapshot from the leader, durably,
        // before Raft is told (and tells the leader).
        auto& st = self->state;
        auto snap = storage::decode_snapshot(*bytes);
        if (!snap || snap->state.applied_index != index) return false;
        std::optional<storage::WriteSet> ws;
        std::int64_t revision = 0;
        std::uint64_t installs = 0;
        protocol::Membership membership;
        {
          auto machine = st.machine->write();
          ws = machine->install(std::move(*snap), index, term, monotonic_ms());
          if (!ws) return true;  // not newer than what is applied here
          revision = machine->revision();
          installs = machine->installs();
          membership = machine->state().membership;
        }
        announce_membership(self, membership, index);
        // The store jumped ahead without events: watches catch up from history.
        if (st.watch) self->send(st.watch, resync_atom::value, revision);
        st.last_trim = index;
        auto rp = self->make_response_promise();
        self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(std::make_shared<storage::WriteSet>(
                                                                        std::move(*ws))))
            .then([=](bool) mutable {
              self->state.machine->write()->values_durable(installs, revision);
              serve_held_reads(self->state);
              rp.deliver(true);
            });
        return rp;
      },
      [=](read_atom, const ReadRequestPtr& r) {
        auto& st = self->state;
        auto machine = st.machine->read();
        if (r->read_index <= machine->state().applied_index) {
          auto result = machine->read(*r->request);
          machine.release();
          r->reply.deliver(0, std::move(result));
          return;
        }
        machine.release();
        st.held_reads.emplace(r->read_index, r);
        arm_read_expiry(self);
      },
      [=](expire_reads_atom) {
        auto& st = self->state;
        st.read_expiry_armed = false;
        const auto now = monotonic_ms();
        for (auto it = st.held_reads.begin(); it != st.held_reads.end();) {
          if (it->second->expires_at_ms > now) {
            ++it;
            continue;
          }
          it->second->reply.deliver(0, result_of(errors::timeout()));
          it = st.held_reads.erase(it);
        }
        arm_read_expiry(self);
      },
      [=](lease_atom, std::uint8_t query, std::int64_t id, bool with_keys) {
        // Asked of the leader: renew a lease (a keep-alive), or its time to live.
        if (static_cast<LeaseQuery>(query) == LeaseQuery::renew) {
          return self->state.machine->write()->lease_keep_alive(id, monotonic_ms());
        }
        return self->state.machine->read()->lease_time_to_live(id, with_keys, monotonic_ms());
      },
      [=](leases_atom) { return self->state.machine->read()->lease_leases(); },
      [=](hash_kv_atom, std::int64_t revision) { return self->state.machine->read()->hash_kv(revision); },
      [=](expired_atom) {
        return LeaseIdsPtr(std::make_shared<std::vector<std::int64_t>>(self->state.machine->read()->expired_leases(monotonic_ms())));
      },
      [=](leader_atom, bool leads) { self->state.machine->write()->lead(leads, monotonic_ms()); },
      [=](status_atom) {
        auto m = self->state.machine->read();
        const auto& machine = *m;
        ApplyStatus s;
        s.applied_index = machine.state().applied_index;
        s.revision = machine.revision();
        s.db_size_bytes = machine.size_bytes();
        s.db_size_in_use_bytes = machine.size_bytes();
        s.no_space = machine.no_space();
        s.cluster_id = machine.identity().cluster_id;
        s.member_id = machine.identity().member_id;
        s.term = machine.term();
        s.membership = machine.state().membership;
        return s;
      },
  };
}

}  // namespace acord::actors
