// The replicated state machine driven entry by entry, as a member applies its
// committed log: what each entry answers, what it leaves to make durable, and
// a snapshot that another member installs to the same state.
#include <catch2/catch.hpp>

#include "apply/state_machine.hpp"
#include "etcdserverpb/rpc.pb.h"

using namespace acord;
using namespace etcdserverpb;

namespace {

constexpr std::uint64_t self_id = 0xa1;

apply::StateMachine make(std::vector<storage::LeaseRecord> leases = {}) {
  apply::Config c;
  c.identity = storage::Identity{self_id, 0xc1, "n1"};
  c.min_lease_ttl_s = 2;
  c.election_timeout_ms = 1000;
  c.quota_bytes = 1 << 20;
  return apply::StateMachine(c, storage::ApplyState{}, {}, leases, 0);
}

struct Log {
  raft::Index next = 1;
  raft::Term term = 1;
  std::uint64_t next_id = 1;
  raft::Entry entry(protocol::ProposalKind kind, const google::protobuf::Message& payload,
                    raft::EntryType type = raft::EntryType::normal, std::uint64_t origin = self_id) {
    protocol::Proposal p;
    p.origin = origin;
    p.id = next_id++;
    p.kind = kind;
    p.payload = payload.SerializeAsString();
    return raft::Entry{term, next++, type, protocol::encode(p)};
  }
  raft::Entry raw(std::string data, raft::EntryType type = raft::EntryType::normal) {
    return raft::Entry{term, next++, type, std::move(data)};
  }
  raft::Entry membership(std::vector<cluster::Member> members) {
    protocol::Membership m;
    m.cluster_id = 0xc1;
    m.members = std::move(members);
    return raw(protocol::encode(m), raft::EntryType::membership);
  }
};

PutRequest put_of(const std::string& k, const std::string& v, std::int64_t lease = 0) {
  PutRequest r;
  r.set_key(k);
  r.set_value(v);
  r.set_lease(lease);
  return r;
}

std::string value_of(apply::StateMachine& m, const std::string& k) {
  RangeRequest r;
  r.set_key(k);
  auto out = m.read(r);
  REQUIRE(out->error.ok());
  const auto& resp = static_cast<const RangeResponse&>(*out->response);
  return resp.kvs_size() == 1 ? resp.kvs(0).value() : "<none>";
}

}  // namespace

TEST_CASE("state machine: each entry answers the request that proposed it, with etcd's header", "[apply]") {
  auto m = make();
  Log log;
  m.observe_term(3);
  auto first = m.apply(log.membership({{self_id, "n1", {"http://127.0.0.1:2380"}, {}}}), 0);
  CHECK(first.fresh);
  CHECK(first.membership);
  CHECK_FALSE(first.proposal);
  CHECK(m.state().membership.members.size() == 1);
  CHECK(m.apply(log.raw(""), 0).outcome == nullptr);  // a new leader's empty entry

  auto put = log.entry(protocol::ProposalKind::put, put_of("k", "v1"));
  auto a = m.apply(put, 0);
  REQUIRE(a.proposal);
  CHECK(a.proposal->origin == self_id);
  CHECK(a.proposal->id == 1);
  REQUIRE(a.outcome);
  REQUIRE(a.outcome->error.ok());
  const auto& resp = dynamic_cast<const PutResponse&>(*a.outcome->response);
  CHECK(resp.header().cluster_id() == 0xc1);
  CHECK(resp.header().member_id() == self_id);
  CHECK(resp.header().raft_term() == 3);
  CHECK(resp.header().revision() == 2);
  CHECK(m.state().applied_index == put.index);
  CHECK(m.state().applied_term == 1);
  CHECK(value_of(m, "k") == "v1");

  // Applied again (a restart replays its log from the durable applied index
  // or earlier): skipped.
  CHECK_FALSE(m.apply(put, 0).fresh);
  CHECK(m.revision() == 2);

  // A failing request is a result too: the session answers with its error.
  TxnRequest txn;
  auto* cmp = txn.add_compare();
  cmp->set_key("k");
  cmp->set_target(Compare::VALUE);
  cmp->set_value("v1");
  *txn.add_success()->mutable_request_put() = put_of("k", "v2");
  auto t = m.apply(log.entry(protocol::ProposalKind::txn, txn), 0);
  REQUIRE(t.outcome);
  CHECK(dynamic_cast<const TxnResponse&>(*t.outcome->response).succeeded());
  CHECK(value_of(m, "k") == "v2");

  // The events of both writes, in order, for the watchers.
  auto events = m.take_events();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kv.value == "v1");
  CHECK(events[1].kv.value == "v2");
}

TEST_CASE("state machine: malformed and misplaced entries change nothing but the applied index", "[apply]") {
  auto m = make();
  Log log;
  m.apply(log.membership({{self_id, "n1", {"http://127.0.0.1:2380"}, {}}}), 0);
  auto garbage = m.apply(log.raw("\x01\x02garbage"), 0);
  CHECK(garbage.fresh);
  CHECK_FALSE(garbage.proposal);
  CHECK_FALSE(garbage.outcome);
  // A put in a membership-change entry (and a member change in a normal one)
  // is refused: a client cannot change the membership through a write.
  auto misplaced = m.apply(log.entry(protocol::ProposalKind::put, put_of("k", "v"), raft::EntryType::conf_change), 0);
  CHECK_FALSE(misplaced.outcome);
  CHECK(misplaced.membership);  // Raft still hears the change is no longer pending
  CHECK(value_of(m, "k") == "<none>");
  CHECK(m.state().applied_index == 3);
  CHECK(m.revision() == 1);
}

TEST_CASE("state machine: members added, updated and removed, with etcd's answers", "[apply]") {
  auto m = make();
  Log log;
  m.apply(log.membership({{self_id, "n1", {"http://127.0.0.1:2380"}, {}}}), 0);
  auto change = [&](cluster::MemberChange::Kind kind, cluster::Member member) {
    cluster::MemberChange c{kind, std::move(member)};
    protocol::Proposal p;
    p.origin = self_id;
    p.id = log.next_id++;
    p.kind = protocol::ProposalKind::member_change;
    p.payload = protocol::encode(c);
    return m.apply(raft::Entry{1, log.next++, raft::EntryType::conf_change, protocol::encode(p)}, 0);
  };
  auto added = change(cluster::MemberChange::Kind::add, {0xb2, "", {"http://127.0.0.1:2480"}, {}});
  CHECK(added.membership);
  INFO(added.outcome->error.message);
  REQUIRE(added.outcome->error.ok());
  const auto& add = dynamic_cast<const MemberAddResponse&>(*added.outcome->response);
  CHECK(add.member().id() == 0xb2);
  CHECK(add.members_size() == 2);
  // The same peer url again: etcd's error, and nothing changes.
  auto again = change(cluster::MemberChange::Kind::add, {0xb3, "", {"http://127.0.0.1:2480"}, {}});
  CHECK(again.outcome->error.message == "etcdserver: Peer URLs already exists");
  CHECK(m.state().membership.members.size() == 2);
  auto removed = change(cluster::MemberChange::Kind::remove, {0xb2, "", {}, {}});
  REQUIRE(removed.outcome->error.ok());
  CHECK(m.state().membership.members.size() == 1);
  CHECK(m.state().membership.removed == std::vector<std::uint64_t>{0xb2});
}

TEST_CASE("state machine: the NOSPACE alarm raised and cleared through the log", "[apply]") {
  auto m = make();
  Log log;
  AlarmRequest raise;
  raise.set_action(AlarmRequest::ACTIVATE);
  raise.set_alarm(NOSPACE);
  m.apply(log.entry(protocol::ProposalKind::alarm, raise), 0);
  CHECK(m.no_space());
  auto refused = m.apply(log.entry(protocol::ProposalKind::put, put_of("k", "v")), 0);
  CHECK(refused.outcome->error.message == "etcdserver: mvcc: database space exceeded");
  AlarmRequest clear;
  clear.set_action(AlarmRequest::DEACTIVATE);
  clear.set_alarm(NOSPACE);
  auto cleared = m.apply(log.entry(protocol::ProposalKind::alarm, clear), 0);
  CHECK_FALSE(m.no_space());
  CHECK(dynamic_cast<const AlarmResponse&>(*cleared.outcome->response).alarms_size() == 1);
  CHECK(m.apply(log.entry(protocol::ProposalKind::put, put_of("k", "v")), 0).outcome->error.ok());
}

TEST_CASE("state machine: leases granted from the log, kept alive and expired by the leader's clock", "[apply]") {
  auto m = make();
  Log log;
  LeaseGrantRequest grant;
  grant.set_id(42);
  grant.set_ttl(10);
  m.apply(log.entry(protocol::ProposalKind::lease_grant, grant), 0);
  m.apply(log.entry(protocol::ProposalKind::put, put_of("leased", "v", 42)), 0);
  m.lead(true, 1'000);
  auto ttl = m.lease_time_to_live(42, true, 1'000);
  const auto& t = dynamic_cast<const LeaseTimeToLiveResponse&>(*ttl->response);
  CHECK(t.grantedttl() == 10);
  REQUIRE(t.keys_size() == 1);
  CHECK(t.keys(0) == "leased");
  // Its TTL from the moment this member leads, plus an election timeout.
  CHECK(m.expired_leases(11'999).empty());
  CHECK(m.expired_leases(12'000) == std::vector<lease::LeaseId>{42});
  // A keep-alive at 11.5 s gives it its TTL from then.
  CHECK(dynamic_cast<const LeaseKeepAliveResponse&>(*m.lease_keep_alive(42, 11'500)->response).ttl() == 10);
  CHECK(m.expired_leases(21'499).empty());
  CHECK(m.expired_leases(21'500) == std::vector<lease::LeaseId>{42});
  // Revoked through the log: its key goes with it.
  LeaseRevokeRequest revoke;
  revoke.set_id(42);
  m.apply(log.entry(protocol::ProposalKind::lease_revoke, revoke), 0);
  CHECK(value_of(m, "leased") == "<none>");
  CHECK(dynamic_cast<const LeaseTimeToLiveResponse&>(*m.lease_time_to_live(42, false, 0)->response).ttl() == -1);
}

TEST_CASE("state machine: its changes as one write, and a snapshot another member installs", "[apply]") {
  auto m = make();
  Log log;
  log.term = 4;
  m.apply(log.membership({{self_id, "n1", {"http://127.0.0.1:2380"}, {}}}), 0);
  LeaseGrantRequest grant;
  grant.set_id(7);
  grant.set_ttl(30);
  m.apply(log.entry(protocol::ProposalKind::lease_grant, grant), 0);
  m.apply(log.entry(protocol::ProposalKind::put, put_of("a", "1", 7)), 0);
  m.apply(log.entry(protocol::ProposalKind::put, put_of("b", "2")), 0);
  auto ws = m.take_changes();
  CHECK(ws.mvcc_ops.size() == 2);
  CHECK(ws.lease_ops.size() == 1);
  REQUIRE(ws.apply_state);
  CHECK(ws.apply_state->applied_index == 4);
  CHECK(ws.apply_state->applied_term == 4);
  CHECK(ws.apply_state->current_revision == 3);
  CHECK(m.take_changes().mvcc_ops.empty());  // each change is handed out once

  auto snap = m.snapshot();
  CHECK(snap.state.applied_index == 4);
  auto follower = make();
  auto install = follower.install(snap, 4, 4, 0);
  REQUIRE(install);
  CHECK(install->replace_mvcc);
  CHECK(install->reset_log->first_index == 5);
  CHECK(install->reset_log->term_before_first == 4);
  CHECK(follower.state().applied_term == 4);
  CHECK(value_of(follower, "a") == "1");
  CHECK(value_of(follower, "b") == "2");
  CHECK(follower.revision() == m.revision());
  CHECK(follower.state().membership.members.size() == 1);
  CHECK(dynamic_cast<const LeaseTimeToLiveResponse&>(*follower.lease_time_to_live(7, true, 0)->response).keys_size() ==
        1);
  // Not newer than what it applied: nothing to do.
  CHECK_FALSE(follower.install(snap, 4, 4, 0));
  CHECK(follower.installs() == 1);
  // Both hash the same.
  auto h1 = m.hash_kv(0), h2 = follower.hash_kv(0);
  CHECK(dynamic_cast<const HashKVResponse&>(*h1->response).hash() ==
        dynamic_cast<const HashKVResponse&>(*h2->response).hash());
}
