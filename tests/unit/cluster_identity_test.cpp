// Member and cluster ids must equal etcd's for the same flags. The expected
// figures were read from a real etcd 3.4.23 started with
// --initial-advertise-peer-urls http://127.0.0.1:23800 (default token).
#include <catch2/catch.hpp>

#include "core/cluster/cluster_identity.hpp"

using namespace acord::cluster;

TEST_CASE("ids match etcd's for a single-member initial cluster", "[cluster]") {
  auto members = parse_initial_cluster("default=http://127.0.0.1:23800", "etcd-cluster");
  REQUIRE(members.size() == 1);
  CHECK(to_hex(members[0].id) == "2e1259d415f2a040");
  CHECK(cluster_id({members[0].id}) == 324952591200643719ULL);
}

TEST_CASE("a member's id does not depend on the order of its peer urls", "[cluster]") {
  CHECK(member_id({"http://b:1", "http://a:1"}, "t") == member_id({"http://a:1", "http://b:1"}, "t"));
  CHECK(member_id({"http://a:1"}, "t1") != member_id({"http://a:1"}, "t2"));
}

TEST_CASE("a malformed --initial-cluster names the bad part", "[cluster]") {
  CHECK_THROWS_WITH(parse_initial_cluster("a=http://x:1,bogus", "t"), Catch::Contains("bogus"));
  CHECK_THROWS(parse_initial_cluster("", "t"));
  CHECK_THROWS(parse_initial_cluster("=http://x:1", "t"));
  auto two = parse_initial_cluster("a=http://x:1,a=http://y:1,b=http://z:1", "t");
  REQUIRE(two.size() == 2);
  CHECK(two[0].peer_urls.size() == 2);
}
