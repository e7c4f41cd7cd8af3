// Request checks made before proposing (etcd: v3rpc/key.go).
#include <catch2/catch.hpp>

#include "core/kv/request_checks.hpp"

using namespace acord;
using namespace etcdserverpb;

TEST_CASE("an empty key is refused on every request kind", "[checks]") {
  CHECK(kv::check_range(RangeRequest{}) == errors::empty_key());
  CHECK(kv::check_put(PutRequest{}) == errors::empty_key());
  CHECK(kv::check_delete(DeleteRangeRequest{}) == errors::empty_key());
  TxnRequest t;
  t.add_compare();
  CHECK(kv::check_txn(t, 128) == errors::empty_key());
}

TEST_CASE("ignore_value with a value, ignore_lease with a lease are refused", "[checks]") {
  PutRequest p;
  p.set_key("a");
  p.set_value("v");
  p.set_ignore_value(true);
  CHECK(kv::check_put(p) == errors::value_provided());
  p.clear_value();
  p.set_ignore_value(false);
  p.set_ignore_lease(true);
  p.set_lease(5);
  CHECK(kv::check_put(p) == errors::lease_provided());
}

TEST_CASE("more ops than the txn limit in any branch is too-many-ops", "[checks]") {
  TxnRequest t;
  for (int i = 0; i < 129; ++i) t.add_success()->mutable_request_range()->set_key("k");
  CHECK(kv::check_txn(t, 128) == errors::too_many_ops());
  t.mutable_success()->RemoveLast();
  CHECK(kv::check_txn(t, 128).ok());
}

TEST_CASE("one branch may not write a key twice or put a key it deletes", "[checks]") {
  TxnRequest t;
  t.add_success()->mutable_request_put()->set_key("a");
  t.add_success()->mutable_request_put()->set_key("a");
  CHECK(kv::check_txn(t, 128) == errors::duplicate_key());

  TxnRequest d;
  auto* del = d.add_success()->mutable_request_delete_range();
  del->set_key("a");
  del->set_range_end("c");
  d.add_success()->mutable_request_put()->set_key("b");
  CHECK(kv::check_txn(d, 128) == errors::duplicate_key());

  TxnRequest ok;
  ok.add_success()->mutable_request_put()->set_key("a");
  ok.add_failure()->mutable_request_put()->set_key("a");  // different branches
  CHECK(kv::check_txn(ok, 128).ok());
}

TEST_CASE("an op with no request inside is refused as etcd does", "[checks]") {
  TxnRequest t;
  t.add_success();
  CHECK(kv::check_txn(t, 128) == errors::key_not_found());
}
