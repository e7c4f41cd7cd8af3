#include "apply/state_machine.hpp"

#include "apply/members_response.hpp"
#include "core/limits.hpp"
#include "core/mvcc/hash_kv.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::apply {
namespace {

using namespace etcdserverpb;

OutcomePtr outcome_of(ApiError e) {
  auto o = std::make_shared<Outcome>();
  o->error = std::move(e);
  return o;
}

// Decodes a proposal's request, runs `f` on it and a fresh response.
template <class Req, class Resp, class F>
OutcomePtr run(const std::string& payload, F&& f) {
  Req req;
  if (!req.ParseFromString(payload)) {
    return outcome_of(ApiError{StatusCode::internal, "acord: a committed entry does not decode"});
  }
  auto out = std::make_shared<Outcome>();
  auto resp = std::make_shared<Resp>();
  out->error = f(req, *resp);
  out->response = resp;
  return out;
}

std::vector<storage::LeaseRecord> lease_records(const lease::LeaseTable& t) {
  std::vector<storage::LeaseRecord> out;
  for (const auto& [id, ttl] : t.granted()) out.push_back(storage::LeaseRecord{id, ttl});
  return out;
}

}  // namespace

StateMachine::StateMachine(Config config, storage::ApplyState restored, std::vector<mvcc::Record> records,
                           const std::vector<storage::LeaseRecord>& leases, lease::Millis now)
    : config_(std::move(config)),
      state_(std::move(restored)),
      leases_(config_.min_lease_ttl_s),
      applier_(store_, config_.quota_bytes, &leases_) {
  store_.set_value_source(config_.values);
  store_.set_recent_values_revisions(config_.recent_values_revisions);
  // Read from the data directory: only recent values stay in memory.
  store_.restore(std::move(records), state_.compacted_revision, state_.current_revision, true);
  restore_leases(leases, now);
  applier_.set_no_space(state_.no_space_alarm);
}

// Leases as records, and back: keys are attached again from the MVCC
// records, which name their lease.
void StateMachine::restore_leases(const std::vector<storage::LeaseRecord>& records, lease::Millis now) {
  std::vector<std::pair<lease::LeaseId, std::int64_t>> leases;
  for (const auto& r : records) leases.emplace_back(r.id, r.ttl_s);
  leases_.restore(leases, now);
  for (const auto& [key, id] : store_.leased_keys()) leases_.attach(id, key);
}

void StateMachine::fill_header(google::protobuf::Message& response) const {
  // Every response message has its header as field "header".
  const auto* field = response.GetDescriptor()->FindFieldByName("header");
  if (field == nullptr) return;
  auto* h = static_cast<ResponseHeader*>(response.GetReflection()->MutableMessage(&response, field));
  h->set_cluster_id(config_.identity.cluster_id);
  h->set_member_id(config_.identity.member_id);
  h->set_raft_term(term_);
  if (h->revision() == 0) h->set_revision(store_.current_revision());
}

OutcomePtr StateMachine::answered(std::shared_ptr<google::protobuf::Message> response) const {
  fill_header(*response);
  auto out = std::make_shared<Outcome>();
  out->response = std::move(response);
  return out;
}

bool StateMachine::observe_term(raft::Term term) {
  if (term <= term_) return false;
  term_ = term;
  return true;
}

Applied StateMachine::apply(const raft::Entry& e, lease::Millis now) {
  Applied a;
  if (e.index <= state_.applied_index) return a;  // applied before a restart
  a.fresh = true;
  state_.applied_index = e.index;
  state_.applied_term = e.term;
  if (e.type == raft::EntryType::membership) {
    // A new cluster's first entry: the whole membership.
    if (auto m = protocol::decode_membership(e.data)) state_.membership = std::move(*m);
    a.membership = true;
    return a;
  }
  if (e.data.empty()) return a;  // a new leader's empty entry
  auto p = protocol::decode_proposal(e.data);
  const bool conf_change = e.type == raft::EntryType::conf_change;
  if (p && conf_change != protocol::changes_membership(p->kind)) p.reset();  // in the wrong kind of entry
  // Applied or refused, a membership change is no longer pending: Raft hears
  // of the members as they now are.
  a.membership = conf_change;
  if (!p) return a;
  a.proposal = protocol::ProposalOrigin{p->origin, p->id};
  a.outcome = apply_proposal(*p, now);
  if (a.outcome && a.outcome->response && a.outcome->error.ok()) fill_header(*a.outcome->response);
  return a;
}

OutcomePtr StateMachine::apply_proposal(const protocol::Proposal& p, lease::Millis now) {
  auto& app = applier_;
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
      return apply_alarm(p.payload);
    case protocol::ProposalKind::publish:
      if (auto attrs = protocol::decode_member_attributes(p.payload)) {
        for (auto& m : state_.membership.members) {
          if (m.id == attrs->member_id) {
            m.name = attrs->name;
            m.client_urls = attrs->client_urls;
          }
        }
      }
      return std::make_shared<Outcome>();
    case protocol::ProposalKind::cluster_version:
      state_.cluster_version = p.payload;
      return std::make_shared<Outcome>();
    case protocol::ProposalKind::lease_grant:
      return run<LeaseGrantRequest, LeaseGrantResponse>(p.payload,
                                                        [&](auto& q, auto& r) { return app.lease_grant(q, r, now); });
    case protocol::ProposalKind::lease_revoke:
      return run<LeaseRevokeRequest, LeaseRevokeResponse>(p.payload,
                                                          [&](auto& q, auto& r) { return app.lease_revoke(q, r); });
    case protocol::ProposalKind::member_change:
      return apply_member_change(p.payload);
  }
  return nullptr;
}

OutcomePtr StateMachine::apply_alarm(const std::string& payload) {
  auto& app = applier_;
  const auto member = config_.identity.member_id;
  return run<AlarmRequest, AlarmResponse>(payload, [&](const AlarmRequest& q, AlarmResponse& r) {
    // Only NOSPACE exists here; an alarm for another member or type is a no-op.
    // The answer lists the alarm a deactivation cleared, or those raised now.
    const bool about_nospace = q.alarm() == NOSPACE || q.alarm() == NONE;
    if (q.action() == AlarmRequest::ACTIVATE && q.alarm() == NOSPACE) app.set_no_space(true);
    const bool cleared = q.action() == AlarmRequest::DEACTIVATE && about_nospace && app.no_space();
    if (cleared) app.set_no_space(false);
    if (cleared || app.no_space()) {
      auto* a = r.add_alarms();
      a->set_memberid(member);
      a->set_alarm(NOSPACE);
    }
    return errors::ok();
  });
}

// A member added, removed or updated (etcd checks the change again when it
// applies it: two changes may have been proposed against the same members).
OutcomePtr StateMachine::apply_member_change(const std::string& payload) {
  auto change = protocol::decode_member_change(payload);
  if (!change) return outcome_of(ApiError{StatusCode::internal, "acord: a committed membership change does not decode"});
  auto out = outcome_of(cluster::apply_change(state_.membership.members, *change));
  if (!out->error.ok()) return out;
  switch (change->kind) {
    case cluster::MemberChange::Kind::add: {
      auto resp = std::make_shared<MemberAddResponse>();
      auto* m = resp->mutable_member();
      m->set_id(change->member.id);
      for (const auto& u : change->member.peer_urls) m->add_peerurls(u);
      fill_members(*resp, state_.membership);
      out->response = resp;
      break;
    }
    case cluster::MemberChange::Kind::remove: {
      state_.membership.removed.push_back(change->member.id);
      auto resp = std::make_shared<MemberRemoveResponse>();
      fill_members(*resp, state_.membership);
      out->response = resp;
      break;
    }
    case cluster::MemberChange::Kind::update: {
      auto resp = std::make_shared<MemberUpdateResponse>();
      fill_members(*resp, state_.membership);
      out->response = resp;
      break;
    }
  }
  return out;
}

storage::ApplyState StateMachine::current_state() const {
  auto s = state_;
  s.current_revision = store_.current_revision();
  s.compacted_revision = store_.compacted_revision();
  s.no_space_alarm = applier_.no_space();
  return s;
}

storage::WriteSet StateMachine::take_changes() {
  state_ = current_state();
  storage::WriteSet ws;
  ws.mvcc_ops = store_.take_mirror_ops();
  for (const auto& c : leases_.take_changes()) {
    ws.lease_ops.push_back(storage::LeaseOp{c.revoked, storage::LeaseRecord{c.id, c.ttl_s}});
  }
  ws.apply_state = state_;
  return ws;
}

void StateMachine::values_durable(std::uint64_t installs, std::int64_t revision) {
  if (installs == installs_) store_.values_durable_through(revision);
}

storage::Snapshot StateMachine::snapshot() const {
  storage::Snapshot snap;
  snap.state = current_state();
  snap.records = store_.all_records();
  snap.leases = lease_records(leases_);
  return snap;
}

storage::EtcdSnapshotInput StateMachine::etcd_snapshot() const {
  storage::EtcdSnapshotInput in;
  in.records = store_.all_records();
  in.leases = lease_records(leases_);
  in.applied_index = state_.applied_index;
  in.compacted_revision = store_.compacted_revision();
  return in;
}

std::optional<storage::WriteSet> StateMachine::install(storage::Snapshot snap, raft::Index index, raft::Term term,
                                                       lease::Millis now) {
  if (index <= state_.applied_index) return std::nullopt;
  state_ = snap.state;
  state_.applied_index = index;
  state_.applied_term = term;
  store_.restore(snap.records, snap.state.compacted_revision, snap.state.current_revision);
  ++installs_;
  applier_.set_no_space(snap.state.no_space_alarm);
  restore_leases(snap.leases, now);
  storage::WriteSet ws;
  ws.replace_mvcc = true;
  for (auto& r : snap.records) ws.mvcc_ops.push_back(mvcc::MirrorOp{false, std::move(r)});
  for (const auto& l : snap.leases) ws.lease_ops.push_back(storage::LeaseOp{false, l});
  ws.apply_state = state_;
  ws.reset_log = storage::LogStart{index + 1, term};
  ws.sync = true;
  return ws;
}

ApiError StateMachine::read(const google::protobuf::Message& request, google::protobuf::Message& response) const {
  ApiError e;
  if (const auto* txn = dynamic_cast<const TxnRequest*>(&request)) {
    e = applier_.read_txn(*txn, static_cast<TxnResponse&>(response));
  } else {
    e = applier_.range(static_cast<const RangeRequest&>(request), static_cast<RangeResponse&>(response));
  }
  fill_header(response);
  return e;
}

OutcomePtr StateMachine::read(const google::protobuf::Message& request) const {
  auto out = std::make_shared<Outcome>();
  if (dynamic_cast<const TxnRequest*>(&request) != nullptr) {
    out->response = std::make_shared<TxnResponse>();
  } else {
    out->response = std::make_shared<RangeResponse>();
  }
  out->error = read(request, *out->response);
  return out;
}

History StateMachine::history(const std::string& key, const std::string& end, std::int64_t from,
                              std::size_t max_events) const {
  History h;
  if (store_.history(key, end, from, max_events, h.events, h.through) == mvcc::Error::compacted) {
    h.compacted = true;
    h.compact_revision = store_.compacted_revision();
  }
  return h;
}

OutcomePtr StateMachine::hash_kv(std::int64_t revision) const {
  // The member's own state, not through Raft: comparing members' hashes is
  // how an operator (or a restarting member) finds one that differs.
  const auto h = mvcc::hash_kv(store_, revision);
  if (h.error == mvcc::Error::compacted) return outcome_of(errors::compacted());
  if (h.error == mvcc::Error::future_revision) return outcome_of(errors::future_revision());
  auto resp = std::make_shared<HashKVResponse>();
  resp->set_hash(h.hash);
  resp->set_compact_revision(h.compact_revision);
  return answered(resp);
}

OutcomePtr StateMachine::lease_keep_alive(lease::LeaseId id, lease::Millis now) {
  auto resp = std::make_shared<LeaseKeepAliveResponse>();
  std::int64_t ttl = 0;  // etcd answers an unknown lease with TTL 0, not an error
  if (!leases_.renew(id, now, &ttl).ok()) ttl = 0;
  resp->set_id(id);
  resp->set_ttl(ttl);
  return answered(resp);
}

OutcomePtr StateMachine::lease_time_to_live(lease::LeaseId id, bool with_keys, lease::Millis now) const {
  auto resp = std::make_shared<LeaseTimeToLiveResponse>();
  resp->set_id(id);
  if (auto info = leases_.info(id, now)) {
    resp->set_ttl(info->remaining_ttl_s);
    resp->set_grantedttl(info->granted_ttl_s);
    if (with_keys) {
      for (const auto& k : info->keys) resp->add_keys(k);
    }
  } else {
    resp->set_ttl(-1);  // etcd: an unknown (or revoked) lease has TTL -1
  }
  return answered(resp);
}

OutcomePtr StateMachine::lease_leases() const {
  auto resp = std::make_shared<LeaseLeasesResponse>();
  for (auto id : leases_.ids()) resp->add_leases()->set_id(id);
  return answered(resp);
}

std::vector<lease::LeaseId> StateMachine::expired_leases(lease::Millis now) const { return leases_.expired(now); }

void StateMachine::lead(bool leads, lease::Millis now) {
  // etcd's Promote: a new leader gives every lease its full TTL plus an
  // election timeout, so a failover never expires a lease early.
  if (leads) {
    leases_.promote(now, config_.election_timeout_ms);
  } else {
    leases_.demote();
  }
}

}  // namespace acord::apply
