#include "actors/apply_actor.hpp"

#include <algorithm>

#include "actors/clock.hpp"
#include "actors/log.hpp"
#include "actors/members_response.hpp"

#include "core/limits.hpp"
#include "core/mvcc/hash_kv.hpp"
#include "storage/etcd_snapshot.hpp"
#include "storage/snapshot.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<ApplyActorState>;
using namespace etcdserverpb;

// Leases as records (for a snapshot), and back (keys attached again from the
// MVCC records, which name their lease).
std::vector<storage::LeaseRecord> lease_records(const lease::LeaseTable& t) {
  std::vector<storage::LeaseRecord> out;
  for (const auto& [id, ttl] : t.granted()) out.push_back(storage::LeaseRecord{id, ttl});
  return out;
}

void restore_leases(ApplyActorState& st, const std::vector<storage::LeaseRecord>& records) {
  std::vector<std::pair<lease::LeaseId, std::int64_t>> leases;
  for (const auto& r : records) leases.emplace_back(r.id, r.ttl_s);
  st.leases->restore(leases, monotonic_ms());
  for (const auto& [key, id] : st.store.leased_keys()) st.leases->attach(id, key);
}

void fill_header(const ApplyActorState& st, ResponseHeader* h) {
  h->set_cluster_id(st.identity.cluster_id);
  h->set_member_id(st.identity.member_id);
  h->set_raft_term(st.term);
  if (h->revision() == 0) h->set_revision(st.store.current_revision());
}

template <class Req, class Resp, class F>
ResultPtr run(const std::string& payload, F&& f) {
  auto result = std::make_shared<Result>();
  Req req;
  if (!req.ParseFromString(payload)) {
    result->error = ApiError{StatusCode::internal, "acord: a committed entry does not decode"};
    return result;
  }
  auto resp = std::make_shared<Resp>();
  result->error = f(req, *resp);
  result->response = resp;
  return result;
}

// A member added, removed or updated (etcd checks the change again when it
// applies it: two changes may have been proposed against the same members).
ResultPtr apply_member_change(ApplyActorState& st, const std::string& payload) {
  auto result = std::make_shared<Result>();
  auto change = protocol::decode_member_change(payload);
  if (!change) {
    result->error = ApiError{StatusCode::internal, "acord: a committed membership change does not decode"};
    return result;
  }
  result->error = cluster::apply_change(st.state.membership.members, *change);
  if (!result->error.ok()) return result;
  if (change->kind == cluster::MemberChange::Kind::remove) st.state.membership.removed.push_back(change->member.id);
  switch (change->kind) {
    case cluster::MemberChange::Kind::add: {
      auto resp = std::make_shared<MemberAddResponse>();
      auto* m = resp->mutable_member();
      m->set_id(change->member.id);
      for (const auto& u : change->member.peer_urls) m->add_peerurls(u);
      fill_members(*resp, st.state.membership);
      result->response = resp;
      break;
    }
    case cluster::MemberChange::Kind::remove: {
      auto resp = std::make_shared<MemberRemoveResponse>();
      fill_members(*resp, st.state.membership);
      result->response = resp;
      break;
    }
    case cluster::MemberChange::Kind::update: {
      auto resp = std::make_shared<MemberUpdateResponse>();
      fill_members(*resp, st.state.membership);
      result->response = resp;
      break;
    }
  }
  return result;
}

// Raft learns who votes as of `index`, and the transport who its peers are.
void announce_membership(Self* self, raft::Index index) {
  auto& st = self->state;
  if (st.raft) {
    self->send(st.raft, conf_atom::value, index, MembershipPtr(std::make_shared<protocol::Membership>(st.state.membership)));
  }
}

AlarmResponse alarms_of(const ApplyActorState& st) {
  AlarmResponse out;
  if (st.applier->no_space()) {
    auto* a = out.add_alarms();
    a->set_memberid(st.identity.member_id);
    a->set_alarm(NOSPACE);
  }
  return out;
}

ResultPtr apply_proposal(ApplyActorState& st, const protocol::Proposal& p) {
  auto& app = *st.applier;
  switch (p.kind) {
    case protocol::ProposalKind::put:
      return run<PutRequest, PutResponse>(p.payload, [&](auto& q, auto& r) { return app.put(q, r); });
    case protocol::ProposalKind::delete_range:
      return run<DeleteRangeRequest, DeleteRangeResponse>(p.payload,
                                                          [&](auto& q, auto& r) { return app.delete_range(q, r); });
    case protocol::ProposalKind::txn:
      return run<TxnRequest, TxnResponse>(p.payload, [&](auto& q, auto& r) { return app.txn(q, r); });
    case protocol::ProposalKind::compaction:
      return run<CompactionRequest, CompactionResponse>(p.payload,
                                                        [&](auto& q, auto& r) { return app.compact(q, r); });
    case protocol::ProposalKind::alarm:
      return run<AlarmRequest, AlarmResponse>(p.payload, [&](const AlarmRequest& q, AlarmResponse& r) {
        // Only NOSPACE exists here; an alarm for another member or type is a no-op.
        const bool about_nospace = q.alarm() == NOSPACE || q.alarm() == NONE;
        if (q.action() == AlarmRequest::ACTIVATE && q.alarm() == NOSPACE) app.set_no_space(true);
        if (q.action() == AlarmRequest::DEACTIVATE && about_nospace && app.no_space()) {
          app.set_no_space(false);
          auto* a = r.add_alarms();
          a->set_memberid(st.identity.member_id);
          a->set_alarm(NOSPACE);
          return errors::ok();
        }
        r = alarms_of(st);
        return errors::ok();
      });
    case protocol::ProposalKind::publish: {
      if (auto attrs = protocol::decode_member_attributes(p.payload)) {
        for (auto& m : st.state.membership.members) {
          if (m.id == attrs->member_id) {
            m.name = attrs->name;
            m.client_urls = attrs->client_urls;
          }
        }
      }
      return std::make_shared<Result>();
    }
    case protocol::ProposalKind::cluster_version:
      st.state.cluster_version = p.payload;
      return std::make_shared<Result>();
    case protocol::ProposalKind::lease_grant:
      return run<LeaseGrantRequest, LeaseGrantResponse>(
          p.payload, [&](auto& q, auto& r) { return app.lease_grant(q, r, monotonic_ms()); });
    case protocol::ProposalKind::lease_revoke:
      return run<LeaseRevokeRequest, LeaseRevokeResponse>(p.payload,
                                                          [&](auto& q, auto& r) { return app.lease_revoke(q, r); });
    case protocol::ProposalKind::member_change:
      return apply_member_change(st, p.payload);
  }
  return nullptr;
}

// Reads are a Range, or a Txn that writes nothing (etcd serves both without
// going through the log).
void serve_read(ApplyActorState& st, const ReadRequest& r) {
  auto result = std::make_shared<Result>();
  ResponseHeader* header = nullptr;
  if (auto* txn = dynamic_cast<const TxnRequest*>(r.request.get())) {
    auto resp = std::make_shared<TxnResponse>();
    result->error = st.applier->txn(*txn, *resp);
    header = resp->mutable_header();
    result->response = resp;
  } else {
    auto resp = std::make_shared<RangeResponse>();
    result->error = st.applier->range(static_cast<const RangeRequest&>(*r.request), *resp);
    header = resp->mutable_header();
    result->response = resp;
  }
  fill_header(st, header);
  r.reply.deliver(0, ResultPtr(result));
}

// While reads wait, look for expired ones every so often.
void arm_read_expiry(Self* self) {
  auto& st = self->state;
  if (st.read_expiry_armed || st.held_reads.empty()) return;
  st.read_expiry_armed = true;
  self->delayed_send(self, std::chrono::milliseconds(limits::read_expiry_check_ms), expire_reads_atom::value);
}

// Reads waiting for an applied index this node has now reached.
void serve_held_reads(ApplyActorState& st) {
  auto end = st.held_reads.upper_bound(st.state.applied_index);
  for (auto it = st.held_reads.begin(); it != end; ++it) serve_read(st, *it->second);
  st.held_reads.erase(st.held_reads.begin(), end);
}

void persist(Self* self) {
  auto& st = self->state;
  st.state.current_revision = st.store.current_revision();
  st.state.compacted_revision = st.store.compacted_revision();
  st.state.no_space_alarm = st.applier->no_space();
  auto ws = std::make_shared<storage::WriteSet>();
  ws->mvcc_ops = st.store.take_mirror_ops();
  for (const auto& c : st.leases->take_changes()) {
    ws->lease_ops.push_back(storage::LeaseOp{c.revoked, storage::LeaseRecord{c.id, c.ttl_s}});
  }
  ws->apply_state = st.state;
  const raft::Index applied = st.state.applied_index;
  const std::int64_t revision = st.store.current_revision();
  const std::uint64_t restores = st.restores;
  // Once the write is in RocksDB (synced or not, it is readable there), the
  // store may drop the superseded values it holds up to this revision. An
  // answer from before a snapshot install speaks of the replaced records.
  auto written = [self, revision, restores] {
    if (self->state.restores == restores) self->state.store.values_durable_through(revision);
  };
  if (applied - st.last_trim < st.snapshot_count) {
    // Not synced: the log holds these entries durably, and a restart applies
    // again whatever this write had not yet made durable.
    self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([=](bool) { written(); });
    return;
  }
  st.last_trim = applied;
  ws->sync = true;
  self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([=](bool) {
    written();
    self->send(self->state.raft, trim_atom::value, applied);
  });
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
  st.identity = args.identity;
  st.state = std::move(args.restored);
  st.store.set_value_source(args.values);
  st.store.set_recent_values_revisions(limits::mvcc_recent_values_revisions);
  st.store.restore(std::move(args.records), st.state.compacted_revision, st.state.current_revision);
  st.store.values_durable_through(st.store.current_revision());  // read from the data directory
  st.leases = std::make_unique<lease::LeaseTable>(args.min_lease_ttl_s);
  restore_leases(st, args.leases);
  st.election_timeout_ms = args.election_timeout_ms;
  st.applier = std::make_unique<kv::KvApplier>(st.store, args.quota_bytes, st.leases.get());
  st.applier->set_no_space(st.state.no_space_alarm);
  st.storage = args.storage;
  st.raft = args.raft;
  st.last_trim = st.state.applied_index;
  st.snapshot_count = args.snapshot_count;
  return {
      [=](apply_atom, const CommittedBatchPtr& batch) {
        auto& st = self->state;
        if (batch->term > st.term && st.watch) {
          // Watch responses carry the current term in their headers.
          self->send(st.watch, term_atom::value, batch->term);
        }
        st.term = std::max(st.term, batch->term);
        auto waiter = batch->waiters.begin();
        // Answered only after the batch's events went to the watch actor: a
        // client that hears of its write and then starts a watch must find the
        // watch actor at that revision already.
        std::vector<std::pair<const CommittedBatch::Waiter*, ResultPtr>> answers;
        for (const auto& e : batch->entries) {
          if (e.index <= st.state.applied_index) continue;  // applied before a restart
          st.state.applied_index = e.index;
          st.state.applied_term = e.term;
          if (e.type == raft::EntryType::membership) {
            if (auto m = protocol::decode_membership(e.data)) st.state.membership = std::move(*m);
            announce_membership(self, e.index);
            continue;
          }
          if (e.data.empty()) continue;  // a new leader's empty entry
          auto p = protocol::decode_proposal(e.data);
          const bool conf_change = e.type == raft::EntryType::conf_change;
          if (p && conf_change != protocol::changes_membership(p->kind)) p.reset();  // in the wrong kind of entry
          ResultPtr result = p ? apply_proposal(st, *p) : nullptr;
          // Applied or refused, the change is no longer pending: Raft hears
          // of the members as they now are.
          if (conf_change) announce_membership(self, e.index);
          while (waiter != batch->waiters.end() && waiter->index < e.index) ++waiter;
          if (waiter == batch->waiters.end() || waiter->index != e.index) continue;
          if (!p || !result || waiter->proposal_id != p->id || p->origin != st.identity.member_id) {
            // Another entry took this index (a leader change): the proposal
            // is lost, and its session must not wait forever.
            answers.emplace_back(&*waiter, result_of(errors::timeout()));
          } else {
            if (result->response && result->error.ok()) {
              // Every response message has its header as field "header".
              auto* field = result->response->GetDescriptor()->FindFieldByName("header");
              if (field != nullptr) {
                fill_header(st, static_cast<ResponseHeader*>(result->response->GetReflection()->MutableMessage(
                                    result->response.get(), field)));
              }
            }
            answers.emplace_back(&*waiter, std::move(result));
          }
        }
        // The events of this batch go to the watchers.
        auto events = st.applier->take_events();
        if (st.watch && !events.empty()) {
          auto b = std::make_shared<EventBatch>();
          b->events = std::move(events);
          b->revision = st.store.current_revision();
          b->term = st.term;
          self->send(st.watch, events_atom::value, EventBatchPtr(b));
        }
        for (auto& [w, result] : answers) w->reply.deliver(w->proposal_id, std::move(result));
        persist(self);
        // Reads waiting for this applied index can be answered now.
        serve_held_reads(st);
      },
      [=](raft_link_atom, const caf::actor& raft) { self->state.raft = raft; },
      [=](abandon_atom) {
        // The member is stopping: reads still waiting for an index are told so.
        auto& st = self->state;
        for (auto& [index, r] : st.held_reads) r->reply.deliver(0, result_of(errors::stopped()));
        st.held_reads.clear();
      },
      [=](watch_link_atom, const caf::actor& watch) {
        self->state.watch = watch;
        self->send(watch, resync_atom::value, self->state.store.current_revision());
      },
      [=](history_atom, const HistoryRequest& q) {
        // A watch that is behind replays from here (see the watch actor).
        const auto& st = self->state;
        auto h = std::make_shared<History>();
        if (st.store.history(q.key, q.end, q.from, q.max_events, h->events, h->through) == mvcc::Error::compacted) {
          h->compacted = true;
          h->compact_revision = st.store.compacted_revision();
        }
        return HistoryPtr(h);
      },
      [=](snapshot_atom) {
        // The whole state machine as of the applied index, for a member that
        // is behind the leader's log.
        auto& st = self->state;
        storage::Snapshot snap;
        snap.state = st.state;
        snap.state.current_revision = st.store.current_revision();
        snap.state.compacted_revision = st.store.compacted_revision();
        snap.state.no_space_alarm = st.applier->no_space();
        snap.records = st.store.all_records();
        snap.leases = lease_records(*st.leases);
        return caf::make_message(st.state.applied_index, st.state.applied_term,
                                 SnapshotBytesPtr(std::make_shared<std::string>(storage::encode(snap))));
      },
      [=](etcd_snapshot_atom) {
        // The state as etcd's snapshot file (etcdctl snapshot save): a
        // consistent cut, since nothing is applied while it is built.
        const auto& st = self->state;
        storage::EtcdSnapshotInput in;
        in.records = st.store.all_records();
        in.leases = lease_records(*st.leases);
        in.applied_index = st.state.applied_index;
        in.compacted_revision = st.store.compacted_revision();
        return SnapshotBytesPtr(std::make_shared<std::string>(storage::etcd_snapshot_file(in)));
      },
      [=](install_atom, raft::Index index, raft::Term term, const SnapshotBytesPtr& bytes) -> caf::result<bool> {
        // Replaces the state machine with a snapshot from the leader, durably,
        // before Raft is told (and tells the leader).
        auto& st = self->state;
        auto snap = storage::decode_snapshot(*bytes);
        if (!snap || snap->state.applied_index != index) return false;
        if (index <= st.state.applied_index) return true;
        st.state = snap->state;
        st.state.applied_term = term;
        st.store.restore(snap->records, snap->state.compacted_revision, snap->state.current_revision);
        ++st.restores;
        const std::int64_t restored_revision = st.store.current_revision();
        const std::uint64_t restores = st.restores;
        st.applier->set_no_space(snap->state.no_space_alarm);
        restore_leases(st, snap->leases);
        announce_membership(self, index);
        // The store jumped ahead without events: watches catch up from history.
        if (st.watch) self->send(st.watch, resync_atom::value, st.store.current_revision());
        st.last_trim = index;
        auto ws = std::make_shared<storage::WriteSet>();
        ws->replace_mvcc = true;
        for (auto& r : snap->records) ws->mvcc_ops.push_back(mvcc::MirrorOp{false, std::move(r)});
        for (const auto& l : snap->leases) ws->lease_ops.push_back(storage::LeaseOp{false, l});
        ws->apply_state = st.state;
        ws->reset_log = storage::LogStart{index + 1, term};
        ws->sync = true;
        auto rp = self->make_response_promise();
        self->request(st.storage, caf::infinite, write_atom::value, WriteSetPtr(ws)).then([=](bool) mutable {
          if (self->state.restores == restores) self->state.store.values_durable_through(restored_revision);
          serve_held_reads(self->state);
          rp.deliver(true);
        });
        return rp;
      },
      [=](read_atom, const ReadRequestPtr& r) {
        auto& st = self->state;
        if (r->read_index <= st.state.applied_index) {
          serve_read(st, *r);
          return;
        }
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
        auto& st = self->state;
        auto result = std::make_shared<Result>();
        const auto now = monotonic_ms();
        if (static_cast<LeaseQuery>(query) == LeaseQuery::renew) {
          auto resp = std::make_shared<LeaseKeepAliveResponse>();
          std::int64_t ttl = 0;  // etcd answers an unknown lease with TTL 0, not an error
          if (!st.leases->renew(id, now, &ttl).ok()) ttl = 0;
          resp->set_id(id);
          resp->set_ttl(ttl);
          fill_header(st, resp->mutable_header());
          result->response = resp;
        } else {
          auto resp = std::make_shared<LeaseTimeToLiveResponse>();
          resp->set_id(id);
          if (auto info = st.leases->info(id, now)) {
            resp->set_ttl(info->remaining_ttl_s);
            resp->set_grantedttl(info->granted_ttl_s);
            if (with_keys) {
              for (const auto& k : info->keys) resp->add_keys(k);
            }
          } else {
            resp->set_ttl(-1);  // etcd: an unknown (or revoked) lease has TTL -1
          }
          fill_header(st, resp->mutable_header());
          result->response = resp;
        }
        return ResultPtr(result);
      },
      [=](leases_atom) {
        auto& st = self->state;
        auto resp = std::make_shared<LeaseLeasesResponse>();
        for (auto id : st.leases->ids()) resp->add_leases()->set_id(id);
        fill_header(st, resp->mutable_header());
        auto result = std::make_shared<Result>();
        result->response = resp;
        return ResultPtr(result);
      },
      [=](hash_kv_atom, std::int64_t revision) {
        // The member's own state, not through Raft: comparing members' hashes
        // is how an operator (or a restarting member) finds one that differs.
        auto& st = self->state;
        const auto h = mvcc::hash_kv(st.store, revision);
        if (h.error == mvcc::Error::compacted) return result_of(errors::compacted());
        if (h.error == mvcc::Error::future_revision) return result_of(errors::future_revision());
        auto resp = std::make_shared<HashKVResponse>();
        resp->set_hash(h.hash);
        resp->set_compact_revision(h.compact_revision);
        fill_header(st, resp->mutable_header());
        auto result = std::make_shared<Result>();
        result->response = resp;
        return ResultPtr(result);
      },
      [=](expired_atom) {
        return LeaseIdsPtr(std::make_shared<std::vector<std::int64_t>>(self->state.leases->expired(monotonic_ms())));
      },
      [=](leader_atom, bool leads) {
        // etcd's Promote: a new leader gives every lease its full TTL plus an
        // election timeout, so a failover never expires a lease early.
        auto& st = self->state;
        if (leads) {
          st.leases->promote(monotonic_ms(), st.election_timeout_ms);
        } else {
          st.leases->demote();
        }
      },
      [=](status_atom) {
        const auto& st = self->state;
        ApplyStatus s;
        s.applied_index = st.state.applied_index;
        s.revision = st.store.current_revision();
        s.db_size_bytes = st.store.size_bytes();
        s.db_size_in_use_bytes = st.store.size_bytes();
        s.no_space = st.applier->no_space();
        s.cluster_id = st.identity.cluster_id;
        s.member_id = st.identity.member_id;
        s.term = st.term;
        s.membership = st.state.membership;
        return s;
      },
  };
}

}  // namespace acord::actors
