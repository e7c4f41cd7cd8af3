#include "actors/session_actor.hpp"

#include "actors/clock.hpp"
#include "apply/members_response.hpp"

#include <algorithm>
#include <chrono>

#include "core/kv/kv_applier.hpp"
#include "core/kv/request_checks.hpp"
#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {
namespace {

using namespace etcdserverpb;
using Ctx = std::shared_ptr<SessionContext>;

void finish(caf::event_based_actor* self, const CallPtr& call, const ApiError& e) {
  call->finish(e);
  self->quit();
}

// Moves a result into the call's response. A result of another type is
// another request's (its entry took this one's id): this request's outcome is
// unknown, as when its entry is lost, and protobuf's Swap of unlike messages
// would abort the member.
void answer(const CallPtr& call, const ResultPtr& r) {
  if (r->error.ok() && r->response) {
    if (r->response->GetDescriptor() != call->response->GetDescriptor()) {
      log_warn("a result of type " + r->response->GetDescriptor()->full_name() + " came for a request answered by " +
               call->response->GetDescriptor()->full_name() + "; answered \"request timed out\"");
      call->finish(errors::timeout());
      return;
    }
    call->response->GetReflection()->Swap(call->response, r->response.get());
  }
  call->finish(r->error);
}

void finish_with(caf::event_based_actor* self, const CallPtr& call, const ResultPtr& r) {
  answer(call, r);
  self->quit();
}

// Keeps a session alive while it waits on a request's response handler.
caf::behavior waiting() {
  return {[](timeout_atom) {}};
}

// A write goes to the raft actor straight from the caller's thread; the call
// is answered by whoever has its outcome: the apply actor with the result once
// applied, or the raft actor with "too many requests", "request timed out"
// (held without a leader until its deadline, as etcd holds it) or "server
// stopped". `payload` replaces the request's own bytes when something was
// filled in (a lease id).
void propose(const Ctx& ctx, const CallPtr& call, protocol::ProposalKind kind, std::string payload = {}) {
  if (call->request->ByteSizeLong() > ctx->max_request_bytes) {
    call->finish(errors::request_too_large());
    return;
  }
  auto req = std::make_shared<ProposalRequest>();
  req->proposal.origin = ctx->member_id;
  req->proposal.id = next_proposal_id(*ctx->proposal_ids);
  req->proposal.kind = kind;
  req->proposal.payload = payload.empty() ? call->request->SerializeAsString() : std::move(payload);
  req->reply_to = ReplyTo([call](const ResultPtr& r) { answer(call, r); });
  caf::anon_send(ctx->raft, propose_atom::value, ProposalRequestPtr(req));
}

// The apply actor answers the read once it has applied `index` (or "request
// timed out" when it has not by the deadline).
void read(const Ctx& ctx, const CallPtr& call, raft::Index index) {
  auto rr = std::make_shared<ReadRequest>();
  // A copy: a read still held by the apply actor may outlive this call (after
  // its deadline), and the call's request goes away with the call.
  std::shared_ptr<google::protobuf::Message> copy(call->request->New());
  copy->CopyFrom(*call->request);
  rr->request = std::move(copy);
  rr->read_index = index;
  rr->expires_at_ms = monotonic_ms() + limits::request_timeout_ms;
  rr->reply = ReplyTo([call](const ResultPtr& r) { answer(call, r); });
  caf::anon_send(ctx->apply, read_atom::value, ReadRequestPtr(rr));
}

// A read of one key (a Range without range_end, or a read-only txn of such
// ranges): bounded work, whatever the keyspace holds.
bool reads_one_key(const CallPtr& call) {
  if (call->kind == CallKind::range) return static_cast<const RangeRequest&>(*call->request).range_end().empty();
  const auto& txn = static_cast<const TxnRequest&>(*call->request);
  for (const auto* ops : {&txn.success(), &txn.failure()}) {
    for (const auto& op : *ops) {
      if (!op.has_request_range() || !op.request_range().range_end().empty()) return false;
    }
  }
  return true;
}

// A serializable read needs only what this member has applied. A read of one
// key is served on the caller's thread, beside the apply actor (a client
// waiting on each answer pays no hop to an actor and back); the caller is the
// one thread of a gRPC queue, so it neither runs a read of unbounded size nor
// waits for the lock: those go to the apply actor.
void serve_here(const Ctx& ctx, const CallPtr& call) {
  auto machine = reads_one_key(call) ? ctx->machine->try_read() : std::nullopt;
  if (!machine) {
    read(ctx, call, 0);
    return;
  }
  ApiError e;
  try {
    e = (*machine)->read(*call->request, *call->response);
  } catch (const std::exception& x) {
    log_fatal(x.what());  // the data directory lost a value (mvcc::MissingValue), as in the apply actor
  }
  machine.reset();
  call->finish(e);
}

// A read is linearizable unless the client asked for a serializable one: it
// waits for ReadIndex (the commit index, confirmed by the leader) to be applied.
// Like a write, it needs no actor of its own: the raft actor calls back with
// the read index, the apply actor answers.
void linearizable_read(const Ctx& ctx, const CallPtr& call, bool serializable) {
#ifdef ACORD_MUTANT_STALE_READS
  serializable = true;  // the deliberate bug of a mutant build: no ReadIndex
#endif
  if (serializable) {
    serve_here(ctx, call);
    return;
  }
  auto waiter = std::make_shared<ReadIndexWaiter>();
  waiter->done = [ctx, call](std::optional<raft::Index> index) {
    if (index) {
      read(ctx, call, *index);
    } else {
      call->finish(errors::no_leader());
    }
  };
  caf::anon_send(ctx->raft, readidx_atom::value, ReadIndexWaiterPtr(waiter));
}

// etcd treats a read-only txn as serializable only if every op of both
// branches is a serializable range (etcd: isTxnSerializable).
bool txn_serializable(const TxnRequest& t) {
  for (const auto* ops : {&t.success(), &t.failure()}) {
    for (const auto& op : *ops) {
      if (!op.has_request_range() || !op.request_range().serializable()) return false;
    }
  }
  return true;
}

// The header of answers the apply actor's status can give (etcd leaves the
// revision out of some, such as MemberList).
void fill_header(ResponseHeader* h, const ApplyStatus& as, bool with_revision) {
  h->set_cluster_id(as.cluster_id);
  h->set_member_id(as.member_id);
  if (with_revision) h->set_revision(as.revision);
  h->set_raft_term(as.term);
}

void status(caf::event_based_actor* self, const Ctx& ctx, const CallPtr& call) {
  self->request(ctx->raft, caf::infinite, status_atom::value).then([=](const RaftStatus& rs) {
    self->request(ctx->apply, caf::infinite, status_atom::value).then([=](const ApplyStatus& as) {
      auto& out = static_cast<StatusResponse&>(*call->response);
      fill_header(out.mutable_header(), as, true);
      out.mutable_header()->set_raft_term(rs.term);
      out.set_version(ctx->version);
      out.set_dbsize(as.db_size_bytes);
      out.set_dbsizeinuse(as.db_size_in_use_bytes);
      out.set_leader(rs.leader);
      out.set_raftindex(rs.commit_index);
      out.set_raftterm(rs.term);
      out.set_raftappliedindex(as.applied_index);
      // etcd lists these as text: "no leader", then each alarm as its member and type.
      if (rs.leader == 0) out.add_errors(errors::no_leader().message);
      if (as.no_space) out.add_errors("memberID:" + std::to_string(as.member_id) + " alarm:NOSPACE ");
      finish(self, call, errors::ok());
    });
  });
}

// A grant is proposed with its lease id already chosen (a client may choose
// it), so every member grants the same lease. (The lease table, applying it,
// refuses a TTL that is too large.)
void lease_grant(const Ctx& ctx, const CallPtr& call) {
  auto req = static_cast<const LeaseGrantRequest&>(*call->request);
  if (req.id() == 0) {
    req.set_id(cluster::lease_id(ctx->lease_ids, ctx->next_lease_suffix.fetch_add(1)));
  }
  propose(ctx, call, protocol::ProposalKind::lease_grant, req.SerializeAsString());
}

void member_list(caf::event_based_actor* self, const Ctx& ctx, const CallPtr& call) {
  self->request(ctx->apply, caf::infinite, status_atom::value).then([=](const ApplyStatus& as) {
    auto& out = static_cast<MemberListResponse&>(*call->response);
    fill_header(out.mutable_header(), as, false);
    apply::fill_members(out, as.membership);
    finish(self, call, errors::ok());
  });
}

// MemberAdd, MemberRemove, MemberUpdate: checked against the members as this
// member applied them (etcd's --strict-reconfig-check: no change that leaves
// too few started members for a quorum), then ordered through Raft; the
// member that applies it answers with the members as they now are.
void change_members(caf::event_based_actor* self, const Ctx& ctx, const CallPtr& call) {
  cluster::MemberChange change;
  const auto& req = *call->request;
  switch (call->kind) {
    case CallKind::member_add: {
      const auto& q = static_cast<const MemberAddRequest&>(req);
      if (q.islearner()) {
        finish(self, call, ApiError{StatusCode::unimplemented, "acord: learner members are not built yet"});
        return;
      }
      change.kind = cluster::MemberChange::Kind::add;
      change.member.peer_urls.assign(q.peerurls().begin(), q.peerurls().end());
      // etcd's id for an added member: its peer urls and the time (seconds).
      const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
      change.member.id = cluster::member_id(change.member.peer_urls, std::to_string(now_s));
      break;
    }
    case CallKind::member_remove:
      change.kind = cluster::MemberChange::Kind::remove;
      change.member.id = static_cast<const MemberRemoveRequest&>(req).id();
      break;
    default: {
      const auto& q = static_cast<const MemberUpdateRequest&>(req);
      change.kind = cluster::MemberChange::Kind::update;
      change.member.id = q.id();
      change.member.peer_urls.assign(q.peerurls().begin(), q.peerurls().end());
      break;
    }
  }
  self->request(ctx->apply, caf::infinite, status_atom::value).then([=](const ApplyStatus& as) {
    auto members = as.membership.members;
    if (auto e = cluster::check_quorum_after(members, change); !e.ok()) {
      finish(self, call, e);
      return;
    }
    // The same checks the change meets when applied, to answer at once.
    if (auto e = cluster::apply_change(members, change); !e.ok()) {
      finish(self, call, e);
      return;
    }
    propose(ctx, call, protocol::ProposalKind::member_change, protocol::encode(change));
    self->quit();
  });
}

// There are no learners here (etcd 3.4's non-voting members): every member
// votes already.
void member_promote(caf::event_based_actor* self, const Ctx& ctx, const CallPtr& call) {
  const auto id = static_cast<const MemberPromoteRequest&>(*call->request).id();
  self->request(ctx->apply, caf::infinite, status_atom::value).then([=](const ApplyStatus& as) {
    const auto& ms = as.membership.members;
    const bool known = std::any_of(ms.begin(), ms.end(), [&](const cluster::Member& m) { return m.id == id; });
    finish(self, call, known ? errors::member_not_learner() : errors::member_not_found());
  });
}

void alarm_list(caf::event_based_actor* self, const Ctx& ctx, const CallPtr& call) {
  self->request(ctx->apply, caf::infinite, status_atom::value).then([=](const ApplyStatus& as) {
    auto& out = static_cast<AlarmResponse&>(*call->response);
    fill_header(out.mutable_header(), as, true);
    if (as.no_space) {
      auto* a = out.add_alarms();
      a->set_memberid(as.member_id);
      a->set_alarm(NOSPACE);
    }
    finish(self, call, errors::ok());
  });
}

}  // namespace

bool handled_without_session(const Ctx& ctx, const CallPtr& call) {
  const auto& req = *call->request;
  auto checked = [&](const ApiError& e) {
    if (!e.ok()) call->finish(e);
    return e.ok();
  };
  switch (call->kind) {
    case CallKind::range: {
      const auto& range = static_cast<const RangeRequest&>(req);
      if (checked(kv::check_range(range))) linearizable_read(ctx, call, range.serializable());
      return true;
    }
    case CallKind::put:
      if (checked(kv::check_put(static_cast<const PutRequest&>(req)))) {
        propose(ctx, call, protocol::ProposalKind::put);
      }
      return true;
    case CallKind::delete_range:
      if (checked(kv::check_delete(static_cast<const DeleteRangeRequest&>(req)))) {
        propose(ctx, call, protocol::ProposalKind::delete_range);
      }
      return true;
    case CallKind::txn: {
      const auto& txn = static_cast<const TxnRequest&>(req);
      if (!checked(kv::check_txn(txn, ctx->max_txn_ops))) return true;
      if (kv::txn_is_read_only(txn)) {
        linearizable_read(ctx, call, txn_serializable(txn));
      } else {
        propose(ctx, call, protocol::ProposalKind::txn);
      }
      return true;
    }
    case CallKind::compact:
      propose(ctx, call, protocol::ProposalKind::compaction);
      return true;
    case CallKind::lease_grant:
      lease_grant(ctx, call);
      return true;
    case CallKind::lease_revoke:
      propose(ctx, call, protocol::ProposalKind::lease_revoke);
      return true;
    case CallKind::alarm:
      if (static_cast<const AlarmRequest&>(req).action() == AlarmRequest::GET) return false;
      propose(ctx, call, protocol::ProposalKind::alarm);
      return true;
    default:
      return false;
  }
}

caf::behavior session_actor(caf::event_based_actor* self, Ctx ctx, CallPtr call) {
  if (handled_without_session(ctx, call)) return {};  // the actor ends; the call is on its way
  auto reject = [&](const ApiError& e) {
    finish(self, call, e);
    return caf::behavior{};
  };
  const auto& req = *call->request;
  switch (call->kind) {
    case CallKind::status:
      status(self, ctx, call);
      return waiting();
    case CallKind::member_list:
      member_list(self, ctx, call);
      return waiting();
    case CallKind::member_add:
    case CallKind::member_remove:
    case CallKind::member_update:
      change_members(self, ctx, call);
      return waiting();
    case CallKind::member_promote:
      member_promote(self, ctx, call);
      return waiting();
    case CallKind::move_leader: {
      const auto target = static_cast<const MoveLeaderRequest&>(req).targetid();
      self->request(ctx->raft, std::chrono::milliseconds(limits::request_timeout_ms), transfer_atom::value, target)
          .then([=](const ResultPtr& r) { finish(self, call, r->error); },
                [=](caf::error&) { finish(self, call, errors::leader_transfer_timeout()); });
      return waiting();
    }
    case CallKind::lease_time_to_live: {
      const auto& q = static_cast<const LeaseTimeToLiveRequest&>(req);
      self->request(ctx->leases, std::chrono::milliseconds(limits::request_timeout_ms), lease_atom::value,
                    static_cast<std::uint8_t>(LeaseQuery::time_to_live), q.id(), q.keys())
          .then([=](const ResultPtr& r) { finish_with(self, call, r); },
                [=](caf::error&) { finish(self, call, errors::timeout()); });
      return waiting();
    }
    case CallKind::lease_leases:
      self->request(ctx->apply, std::chrono::milliseconds(limits::request_timeout_ms), leases_atom::value)
          .then([=](const ResultPtr& r) { finish_with(self, call, r); },
                [=](caf::error&) { finish(self, call, errors::timeout()); });
      return waiting();
    case CallKind::hash_kv:
      self->request(ctx->apply, std::chrono::milliseconds(limits::request_timeout_ms), hash_kv_atom::value,
                    static_cast<const HashKVRequest&>(req).revision())
          .then([=](const ResultPtr& r) { finish_with(self, call, r); },
                [=](caf::error&) { finish(self, call, errors::timeout()); });
      return waiting();
    case CallKind::alarm:  // GET (handled_without_session took the others)
      alarm_list(self, ctx, call);
      return waiting();
    default:  // reads and writes: handled_without_session took them
      return reject(ApiError{StatusCode::internal, "unhandled call"});
  }
}

}  // namespace acord::actors
