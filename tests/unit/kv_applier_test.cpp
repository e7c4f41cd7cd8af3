// etcd's KV semantics over the store (etcd API reference: Range, Put,
// DeleteRange, Txn, Compact).
#include <catch2/catch.hpp>

#include "core/kv/kv_applier.hpp"

using namespace acord;
using namespace etcdserverpb;

namespace {
struct Fixture {
  mvcc::MvccStore store;
  kv::KvApplier app{store, 1 << 20};

  PutResponse put(const std::string& k, const std::string& v) {
    PutRequest r;
    r.set_key(k);
    r.set_value(v);
    PutResponse out;
    REQUIRE(app.put(r, out).ok());
    return out;
  }
  RangeResponse range(RangeRequest r) {
    RangeResponse out;
    REQUIRE(app.range(r, out).ok());
    return out;
  }
};
RangeRequest all_from(const std::string& k) {
  RangeRequest r;
  r.set_key(k);
  r.set_range_end(std::string("\0", 1));
  return r;
}
Compare cmp(const std::string& key, Compare::CompareTarget t, Compare::CompareResult res) {
  Compare c;
  c.set_key(key);
  c.set_target(t);
  c.set_result(res);
  return c;
}
}  // namespace

TEST_CASE("put returns the new revision and, on request, the previous kv", "[applier]") {
  Fixture f;
  CHECK(f.put("a", "1").header().revision() == 2);
  PutRequest r;
  r.set_key("a");
  r.set_value("2");
  r.set_prev_kv(true);
  PutResponse out;
  REQUIRE(f.app.put(r, out).ok());
  CHECK(out.header().revision() == 3);
  CHECK(out.prev_kv().value() == "1");
  CHECK(out.prev_kv().mod_revision() == 2);
}

TEST_CASE("put with ignore_value keeps the value - on a missing key it is key-not-found", "[applier]") {
  Fixture f;
  PutRequest r;
  r.set_key("a");
  r.set_ignore_value(true);
  PutResponse out;
  CHECK(f.app.put(r, out) == errors::key_not_found());
  f.put("a", "keep");
  REQUIRE(f.app.put(r, out).ok());
  RangeRequest g;
  g.set_key("a");
  auto got = f.range(g);
  CHECK(got.kvs(0).value() == "keep");
  CHECK(got.kvs(0).version() == 2);
}

TEST_CASE("put with an unknown lease is lease-not-found", "[applier]") {
  Fixture f;
  PutRequest r;
  r.set_key("a");
  r.set_lease(42);
  PutResponse out;
  CHECK(f.app.put(r, out) == errors::lease_not_found());
  CHECK(f.store.current_revision() == 1);
}

TEST_CASE("range sorts, limits and reports more and count as etcd does", "[applier]") {
  Fixture f;
  f.put("a", "3");
  f.put("b", "1");
  f.put("c", "2");
  f.put("b", "0");  // b: version 2
  auto r = all_from("a");
  r.set_limit(2);
  auto out = f.range(r);
  CHECK(out.kvs_size() == 2);
  CHECK(out.more());
  CHECK(out.count() == 3);

  r.set_limit(0);
  r.set_sort_target(RangeRequest::VALUE);  // no order given: ascending
  out = f.range(r);
  REQUIRE(out.kvs_size() == 3);
  CHECK(out.kvs(0).key() == "b");
  CHECK(out.kvs(2).key() == "a");

  r.set_sort_order(RangeRequest::DESCEND);
  r.set_sort_target(RangeRequest::KEY);
  r.set_limit(1);
  out = f.range(r);
  REQUIRE(out.kvs_size() == 1);
  CHECK(out.kvs(0).key() == "c");
  CHECK(out.more());

  auto keys = all_from("a");
  keys.set_keys_only(true);
  out = f.range(keys);
  CHECK(out.kvs(0).value().empty());
  auto counted = all_from("a");
  counted.set_count_only(true);
  out = f.range(counted);
  CHECK(out.kvs_size() == 0);
  CHECK(out.count() == 3);
  CHECK(out.header().revision() == 5);
}

TEST_CASE("range filters on mod and create revisions", "[applier]") {
  Fixture f;
  f.put("a", "1");  // 2
  f.put("b", "1");  // 3
  f.put("a", "2");  // 4
  auto r = all_from("a");
  r.set_min_mod_revision(4);
  auto out = f.range(r);
  REQUIRE(out.kvs_size() == 1);
  CHECK(out.kvs(0).key() == "a");
  r = all_from("a");
  r.set_min_create_revision(3);
  out = f.range(r);
  REQUIRE(out.kvs_size() == 1);
  CHECK(out.kvs(0).key() == "b");
}

TEST_CASE("delete range reports the count and previous kvs - nothing deleted keeps the revision", "[applier]") {
  Fixture f;
  f.put("a", "1");
  f.put("b", "2");
  DeleteRangeRequest d;
  d.set_key("a");
  d.set_range_end("c");
  d.set_prev_kv(true);
  DeleteRangeResponse out;
  REQUIRE(f.app.delete_range(d, out).ok());
  CHECK(out.deleted() == 2);
  CHECK(out.prev_kvs_size() == 2);
  CHECK(out.header().revision() == 4);
  DeleteRangeResponse again;
  REQUIRE(f.app.delete_range(d, again).ok());
  CHECK(again.deleted() == 0);
  CHECK(again.header().revision() == 4);
}

TEST_CASE("txn compares on value, version, create and mod revision, and lease", "[applier][txn]") {
  Fixture f;
  f.put("k", "v1");  // rev 2
  auto run = [&](Compare c) {
    TxnRequest t;
    *t.add_compare() = c;
    t.add_success()->mutable_request_range()->set_key("k");
    TxnResponse out;
    REQUIRE(f.app.txn(t, out).ok());
    return out.succeeded();
  };
  auto c = cmp("k", Compare::VALUE, Compare::EQUAL);
  c.set_value("v1");
  CHECK(run(c));
  c.set_value("v2");
  CHECK_FALSE(run(c));
  c.set_result(Compare::LESS);
  CHECK(run(c));  // "v1" < "v2"
  c = cmp("k", Compare::VERSION, Compare::EQUAL);
  c.set_version(1);
  CHECK(run(c));
  c = cmp("k", Compare::CREATE, Compare::EQUAL);
  c.set_create_revision(2);
  CHECK(run(c));
  c = cmp("k", Compare::MOD, Compare::GREATER);
  c.set_mod_revision(1);
  CHECK(run(c));
  c = cmp("k", Compare::LEASE, Compare::EQUAL);
  c.set_lease(0);
  CHECK(run(c));  // no lease attached
  c.set_lease(7);
  CHECK_FALSE(run(c));
  // A missing key has version 0 and create revision 0, and no value at all.
  c = cmp("missing", Compare::VERSION, Compare::EQUAL);
  c.set_version(0);
  CHECK(run(c));
  c = cmp("missing", Compare::VALUE, Compare::NOT_EQUAL);
  c.set_value("x");
  CHECK_FALSE(run(c));
}

TEST_CASE("txn writes share one revision - reads inside see earlier ops", "[applier][txn]") {
  Fixture f;
  TxnRequest t;
  auto* p = t.add_success()->mutable_request_put();
  p->set_key("a");
  p->set_value("1");
  auto* p2 = t.add_success()->mutable_request_put();
  p2->set_key("b");
  p2->set_value("2");
  t.add_success()->mutable_request_range()->set_key("a");
  TxnResponse out;
  REQUIRE(f.app.txn(t, out).ok());
  CHECK(out.succeeded());
  CHECK(out.header().revision() == 2);
  REQUIRE(out.responses_size() == 3);
  CHECK(out.responses(2).response_range().kvs(0).value() == "1");
  CHECK(f.store.current_revision() == 2);
}

TEST_CASE("nested txn compares see the state before the outer txn writes", "[applier][txn]") {
  Fixture f;
  TxnRequest outer;
  auto* p = outer.add_success()->mutable_request_put();
  p->set_key("x");
  p->set_value("new");
  auto* inner = outer.add_success()->mutable_request_txn();
  auto c = cmp("x", Compare::VERSION, Compare::EQUAL);
  c.set_version(0);
  *inner->add_compare() = c;
  inner->add_success()->mutable_request_put()->set_key("saw-nothing");
  TxnResponse out;
  REQUIRE(f.app.txn(outer, out).ok());
  CHECK(out.responses(1).response_txn().succeeded());
}

TEST_CASE("a read-only txn does not advance the revision - a bad revision fails it whole", "[applier][txn]") {
  Fixture f;
  f.put("a", "1");
  TxnRequest t;
  t.add_success()->mutable_request_range()->set_key("a");
  TxnResponse out;
  REQUIRE(f.app.txn(t, out).ok());
  CHECK(out.header().revision() == 2);
  t.mutable_success(0)->mutable_request_range()->set_revision(9);
  TxnResponse bad;
  CHECK(f.app.txn(t, bad) == errors::future_revision());
}

TEST_CASE("compaction answers with the current revision and refuses the same revision twice", "[applier]") {
  Fixture f;
  f.put("a", "1");
  f.put("a", "2");
  CompactionRequest c;
  c.set_revision(2);
  CompactionResponse out;
  REQUIRE(f.app.compact(c, out).ok());
  CHECK(out.header().revision() == 3);
  CHECK(f.app.compact(c, out) == errors::compacted());
  RangeRequest r;
  r.set_key("a");
  r.set_revision(1);
  RangeResponse rr;
  CHECK(f.app.range(r, rr) == errors::compacted());
}

TEST_CASE("past the quota a write raises NOSPACE and every write that adds data fails", "[applier][quota]") {
  mvcc::MvccStore store;
  kv::KvApplier app{store, 300};
  PutRequest r;
  r.set_key("a");
  r.set_value(std::string(100, 'x'));
  PutResponse out;
  REQUIRE(app.put(r, out).ok());
  REQUIRE(app.put(r, out).ok());
  CHECK(app.put(r, out) == errors::no_space());
  CHECK(app.no_space());
  PutRequest tiny;
  tiny.set_key("b");
  tiny.set_value("1");
  CHECK(app.put(tiny, out) == errors::no_space());  // the alarm holds until disarmed
  DeleteRangeRequest d;
  d.set_key("a");
  DeleteRangeResponse dout;
  CHECK(app.delete_range(d, dout).ok());  // deletes still work
  CompactionRequest c;
  c.set_revision(store.current_revision());
  CompactionResponse cout;
  REQUIRE(app.compact(c, cout).ok());  // space comes back only with compaction
  CHECK(store.size_bytes() == 0);
  CHECK(app.put(tiny, out) == errors::no_space());  // still refused: the alarm stays raised
  app.set_no_space(false);
  CHECK(app.put(tiny, out).ok());
}
