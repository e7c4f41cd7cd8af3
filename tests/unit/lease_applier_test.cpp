// Leases applied from the log: grants, keys following the lease they were
// last put with, and revocation deleting every attached key in one revision.
#include <catch2/catch.hpp>

#include "core/kv/kv_applier.hpp"
#include "core/limits.hpp"

using namespace acord;
using namespace etcdserverpb;

namespace {
struct Fixture {
  mvcc::MvccStore store;
  lease::LeaseTable leases{2};
  kv::KvApplier app{store, 1 << 20, &leases};

  ApiError grant(std::int64_t id, std::int64_t ttl, std::int64_t* granted = nullptr) {
    LeaseGrantRequest r;
    r.set_id(id);
    r.set_ttl(ttl);
    LeaseGrantResponse out;
    auto e = app.lease_grant(r, out, 0);
    if (e.ok()) CHECK(out.id() == id);
    if (granted) *granted = out.ttl();
    return e;
  }
  ApiError put(const std::string& k, std::int64_t lease) {
    PutRequest r;
    r.set_key(k);
    r.set_value("v");
    r.set_lease(lease);
    PutResponse out;
    return app.put(r, out);
  }
  ApiError revoke(std::int64_t id, LeaseRevokeResponse* out = nullptr) {
    LeaseRevokeRequest r;
    r.set_id(id);
    LeaseRevokeResponse o;
    return app.lease_revoke(r, out ? *out : o);
  }
  std::vector<std::string> keys_of(std::int64_t id) { return leases.info(id, 0)->keys; }
};
}  // namespace

TEST_CASE("a grant takes etcd's minimum TTL and refuses duplicates and huge TTLs", "[applier][lease]") {
  Fixture f;
  std::int64_t ttl = 0;
  REQUIRE(f.grant(10, 1, &ttl).ok());
  CHECK(ttl == 2);  // raised to the minimum
  REQUIRE(f.grant(11, 60, &ttl).ok());
  CHECK(ttl == 60);
  CHECK(f.grant(10, 5) == errors::lease_exists());
  CHECK(f.grant(12, limits::lease_ttl_s_max + 1) == errors::lease_ttl_too_large());
  auto changes = f.leases.take_changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].id == 10);
  CHECK(changes[1].ttl_s == 60);
}

TEST_CASE("keys follow the lease they were last put with", "[applier][lease]") {
  Fixture f;
  REQUIRE(f.grant(1, 10).ok());
  REQUIRE(f.grant(2, 10).ok());
  CHECK(f.put("a", 3) == errors::lease_not_found());
  REQUIRE(f.put("a", 1).ok());
  REQUIRE(f.put("b", 1).ok());
  CHECK(f.keys_of(1) == std::vector<std::string>{"a", "b"});
  REQUIRE(f.put("b", 2).ok());  // moved to lease 2
  REQUIRE(f.put("a", 0).ok());  // detached
  CHECK(f.keys_of(1).empty());
  CHECK(f.keys_of(2) == std::vector<std::string>{"b"});
  DeleteRangeRequest d;
  d.set_key("b");
  DeleteRangeResponse dout;
  REQUIRE(f.app.delete_range(d, dout).ok());
  CHECK(f.keys_of(2).empty());
  // A txn put with a lease attaches too, and an unknown lease fails the txn.
  TxnRequest t;
  auto* p = t.add_success()->mutable_request_put();
  p->set_key("c");
  p->set_lease(2);
  TxnResponse tout;
  REQUIRE(f.app.txn(t, tout).ok());
  CHECK(f.keys_of(2) == std::vector<std::string>{"c"});
  p->set_lease(99);
  TxnResponse tout2;
  CHECK(f.app.txn(t, tout2) == errors::lease_not_found());
}

TEST_CASE("revoking a lease deletes its keys in one revision, with one event each", "[applier][lease]") {
  Fixture f;
  REQUIRE(f.grant(7, 10).ok());
  REQUIRE(f.put("x", 7).ok());
  REQUIRE(f.put("y", 7).ok());
  REQUIRE(f.put("z", 0).ok());
  f.app.take_events();
  const auto before = f.store.current_revision();
  LeaseRevokeResponse out;
  REQUIRE(f.revoke(7, &out).ok());
  CHECK(f.store.current_revision() == before + 1);
  CHECK(out.header().revision() == before + 1);
  auto events = f.app.take_events();
  REQUIRE(events.size() == 2);
  for (const auto& e : events) {
    CHECK(e.type == mvcc::Event::Type::del);
    CHECK(e.kv.mod_revision == before + 1);
  }
  CHECK_FALSE(f.leases.exists(7));
  CHECK(f.revoke(7) == errors::lease_not_found());
  mvcc::RangeResult rr;
  f.store.range("a", std::string_view("\0", 1), {}, rr);
  REQUIRE(rr.kvs.size() == 1);
  CHECK(rr.kvs[0].key == "z");
  // A lease with no keys is revoked without a new revision.
  REQUIRE(f.grant(8, 10).ok());
  const auto now = f.store.current_revision();
  REQUIRE(f.revoke(8).ok());
  CHECK(f.store.current_revision() == now);
}

TEST_CASE("history replays a range's events from a revision, whole revisions only", "[mvcc][history]") {
  Fixture f;
  REQUIRE(f.put("a", 0).ok());  // rev 2
  REQUIRE(f.put("b", 0).ok());  // rev 3
  TxnRequest t;                 // rev 4: two keys in one revision
  t.add_success()->mutable_request_put()->set_key("a");
  t.add_success()->mutable_request_put()->set_key("c");
  TxnResponse tout;
  REQUIRE(f.app.txn(t, tout).ok());
  DeleteRangeRequest d;  // rev 5
  d.set_key("a");
  DeleteRangeResponse dout;
  REQUIRE(f.app.delete_range(d, dout).ok());
  std::vector<mvcc::Event> ev;
  std::int64_t through = 0;
  REQUIRE(f.store.history("a", std::string_view("\0", 1), 3, 0, ev, through) == mvcc::Error::none);
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].kv.key == "b");
  CHECK(ev[1].kv.key == "a");
  CHECK(ev[1].kv.version == 2);
  REQUIRE(ev[1].prev_kv);
  CHECK(ev[1].prev_kv->mod_revision == 2);
  CHECK(ev[2].kv.key == "c");
  CHECK(ev[3].type == mvcc::Event::Type::del);
  CHECK(ev[3].kv.mod_revision == 5);
  CHECK(through == 5);
  // A limit of 2 falls inside revision 4, which is kept whole.
  REQUIRE(f.store.history("a", std::string_view("\0", 1), 3, 2, ev, through) == mvcc::Error::none);
  CHECK(ev.size() == 3);
  CHECK(through == 4);
  // Only key "a".
  REQUIRE(f.store.history("a", "", 0, 0, ev, through) == mvcc::Error::none);
  CHECK(ev.size() == 3);
  CompactionRequest c;
  c.set_revision(4);
  CompactionResponse cout;
  REQUIRE(f.app.compact(c, cout).ok());
  CHECK(f.store.history("a", "", 3, 0, ev, through) == mvcc::Error::compacted);
  CHECK(f.store.history("a", "", 4, 0, ev, through) == mvcc::Error::none);
}
