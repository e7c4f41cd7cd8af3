// The lease core (etcd API: LeaseGrant, LeaseRevoke, LeaseKeepAlive,
// LeaseTimeToLive; etcd's lessor semantics for minimum TTL and failover).
#include <catch2/catch.hpp>

#include "core/lease/lease_table.hpp"

using namespace acord;
using namespace acord::lease;

TEST_CASE("grant: etcd's minimum TTL, its maximum, no duplicate ids, no id 0", "[lease]") {
  LeaseTable t(2);
  std::int64_t ttl = 0;
  CHECK(t.grant(1, 1, 0, &ttl).ok());
  CHECK(ttl == 2);  // raised to the minimum
  CHECK(t.grant(2, 60, 0, &ttl).ok());
  CHECK(ttl == 60);
  CHECK(t.grant(2, 60, 0) == errors::lease_exists());
  CHECK(t.grant(3, 9000000001, 0) == errors::lease_ttl_too_large());
  CHECK(t.grant(0, 10, 0) == errors::lease_not_found());
  CHECK(t.ids() == std::vector<LeaseId>{1, 2});
}

TEST_CASE("revoke hands back the attached keys, and the lease is gone", "[lease]") {
  LeaseTable t(1);
  REQUIRE(t.grant(7, 10, 0).ok());
  t.attach(7, "b");
  t.attach(7, "a");
  t.attach(8, "ignored");  // no such lease
  t.detach(7, "b");
  std::vector<std::string> keys;
  REQUIRE(t.revoke(7, &keys).ok());
  CHECK(keys == std::vector<std::string>{"a"});
  CHECK_FALSE(t.exists(7));
  CHECK(t.revoke(7, &keys) == errors::lease_not_found());
}

TEST_CASE("only the leader expires leases - keep-alive extends by the full TTL", "[lease]") {
  LeaseTable t(1);
  REQUIRE(t.grant(1, 5, 0).ok());
  REQUIRE(t.grant(2, 10, 0).ok());
  CHECK(t.expired(60'000).empty());  // a follower never expires anything
  t.promote(1'000);                  // leads from t = 1 s: full TTLs from now
  CHECK(t.expired(5'999).empty());
  CHECK(t.expired(6'000) == std::vector<LeaseId>{1});
  std::int64_t ttl = 0;
  REQUIRE(t.renew(2, 9'000, &ttl).ok());
  CHECK(ttl == 10);
  CHECK(t.expired(18'999) == std::vector<LeaseId>{1});
  CHECK(t.expired(19'000) == (std::vector<LeaseId>{1, 2}));
  CHECK(t.renew(1, 7'000, &ttl) == errors::lease_not_found());  // expired: revocation pending
}

TEST_CASE("a new leader gives every lease a full TTL from when it takes over", "[lease][failover]") {
  LeaseTable t(1);
  REQUIRE(t.grant(1, 10, 0).ok());
  t.promote(0);
  t.demote();  // leadership lost at t = 9 s, one second before expiry
  CHECK(t.expired(9'500).empty());
  t.promote(12'000);  // regained at t = 12 s
  CHECK(t.expired(21'999).empty());
  CHECK(t.expired(22'000) == std::vector<LeaseId>{1});
}

TEST_CASE("time to live: whole remaining seconds (truncated, as etcd), granted TTL and keys", "[lease]") {
  LeaseTable t(1);
  REQUIRE(t.grant(3, 30, 0).ok());
  t.attach(3, "k1");
  t.attach(3, "k2");
  t.promote(0);
  auto i = t.info(3, 10'500);
  REQUIRE(i);
  CHECK(i->granted_ttl_s == 30);
  CHECK(i->remaining_ttl_s == 19);
  CHECK(i->keys == std::vector<std::string>{"k1", "k2"});
  CHECK(t.info(3, 31'000)->remaining_ttl_s == -1);
  CHECK_FALSE(t.info(4, 0));
}

TEST_CASE("granted leases round-trip through restore, with the changes list cleared", "[lease]") {
  LeaseTable t(1);
  REQUIRE(t.grant(5, 30, 0).ok());
  REQUIRE(t.grant(7, 2, 0).ok());
  REQUIRE(t.revoke(5, nullptr).ok());
  const auto granted = t.granted();
  CHECK(granted == std::vector<std::pair<LeaseId, std::int64_t>>{{7, 2}});
  LeaseTable back(1);
  back.restore(granted, 1'000);
  CHECK(back.granted() == granted);
  CHECK(back.take_changes().empty());
}
