// Adding, removing and updating members, and a joining member finding itself,
// as etcd's cluster does them (errors as etcd gives them).
#include <catch2/catch.hpp>

#include "core/cluster/membership_change.hpp"

using namespace acord;
using namespace acord::cluster;

namespace {
Member member(std::uint64_t id, const std::string& name, const std::string& peer) {
  return Member{id, name, {peer}, name.empty() ? std::vector<std::string>{} : std::vector<std::string>{"http://c"}};
}
MemberChange add(std::uint64_t id, std::vector<std::string> peers) {
  return MemberChange{MemberChange::Kind::add, Member{id, "", std::move(peers), {}}};
}
MemberChange remove(std::uint64_t id) { return MemberChange{MemberChange::Kind::remove, Member{id, "", {}, {}}}; }
MemberChange update(std::uint64_t id, std::vector<std::string> peers) {
  return MemberChange{MemberChange::Kind::update, Member{id, "", std::move(peers), {}}};
}
}  // namespace

TEST_CASE("a member is added, updated and removed, and the list stays sorted by id", "[cluster][membership]") {
  std::vector<Member> ms = {member(5, "a", "http://a:1")};
  REQUIRE(apply_change(ms, add(2, {"http://b:1"})).ok());
  REQUIRE(ms.size() == 2);
  CHECK(ms[0].id == 2);
  CHECK(ms[0].name.empty());  // not started: no name until it publishes one
  CHECK(voter_ids(ms) == std::vector<std::uint64_t>{2, 5});
  REQUIRE(apply_change(ms, update(2, {"http://b:2", "http://a:9"})).ok());
  CHECK(ms[0].peer_urls == std::vector<std::string>{"http://a:9", "http://b:2"});
  REQUIRE(apply_change(ms, remove(5)).ok());
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].id == 2);
}

TEST_CASE("a change that does not fit is refused with etcd's error, and changes nothing", "[cluster][membership]") {
  const std::vector<Member> before = {member(1, "a", "http://a:1"), member(2, "b", "http://b:1")};
  auto ms = before;
  CHECK(apply_change(ms, add(3, {"http://a:1"})) == errors::peer_url_exists());
  CHECK(apply_change(ms, add(2, {"http://c:1"})) == errors::member_exists());
  CHECK(apply_change(ms, add(3, {})) == errors::member_bad_urls());
  CHECK(apply_change(ms, add(3, {"no-scheme"})) == errors::member_bad_urls());
  CHECK(apply_change(ms, remove(9)) == errors::member_not_found());
  CHECK(apply_change(ms, update(9, {"http://z:1"})) == errors::member_not_found());
  CHECK(apply_change(ms, update(1, {"http://b:1"})) == errors::peer_url_exists());
  CHECK(apply_change(ms, update(1, {"http://a:1"})).ok());  // its own urls again
  REQUIRE(ms.size() == before.size());
  for (std::size_t i = 0; i < ms.size(); ++i) CHECK(ms[i].peer_urls == before[i].peer_urls);
}

TEST_CASE("no change may leave fewer started members than a quorum (etcd's strict reconfig check)",
          "[cluster][membership]") {
  // One started member may add a second: how a cluster is rebuilt.
  CHECK(check_quorum_after({member(1, "a", "http://a:1")}, add(2, {"http://b:1"})).ok());
  // Then a third would make one started member of three.
  const std::vector<Member> one_of_two = {member(1, "a", "http://a:1"), member(2, "", "http://b:1")};
  CHECK(check_quorum_after(one_of_two, add(3, {"http://c:1"})) == errors::not_enough_started_members());
  // Three started: adding a fourth leaves 3 of 4, a quorum.
  const std::vector<Member> three = {member(1, "a", "http://a:1"), member(2, "b", "http://b:1"),
                                     member(3, "c", "http://c:1")};
  CHECK(check_quorum_after(three, add(4, {"http://d:1"})).ok());
  // Removing: the started members left must be a quorum of those left.
  CHECK(check_quorum_after(three, remove(1)).ok());
  const std::vector<Member> one_unstarted = {member(1, "a", "http://a:1"), member(2, "b", "http://b:1"),
                                             member(3, "", "http://c:1")};
  CHECK(check_quorum_after(one_unstarted, remove(1)) == errors::not_enough_started_members());
  CHECK(check_quorum_after(one_unstarted, remove(3)).ok());
  CHECK(check_quorum_after(one_unstarted, update(3, {"http://e:1"})).ok());
}

TEST_CASE("a joining member finds itself among the cluster's members by its peer urls", "[cluster][membership]") {
  // The flags' ids come from a token; the cluster chose its own.
  const std::vector<Member> flags = {member(101, "infra0", "http://a:1"), member(102, "infra2", "http://b:1")};
  const std::vector<Member> cluster = {member(7, "infra0", "http://a:1"), member(9, "", "http://b:1")};
  std::string error;
  auto id = find_joining_member(flags, "infra2", cluster, error);
  REQUIRE(id);
  CHECK(*id == 9);

  CHECK_FALSE(find_joining_member({flags[0]}, "infra0", cluster, error));
  CHECK_THAT(error, Catch::Contains("member count is unequal"));
  CHECK_FALSE(find_joining_member({flags[0], member(102, "infra2", "http://other:1")}, "infra2", cluster, error));
  CHECK_THAT(error, Catch::Contains("unmatched member"));
  // The member it would be has started already: someone else is it.
  CHECK_FALSE(find_joining_member(flags, "infra0", cluster, error));
  CHECK_THAT(error, Catch::Contains("already been bootstrapped"));
  CHECK_FALSE(find_joining_member(flags, "nobody", cluster, error));
  CHECK_THAT(error, Catch::Contains("nobody"));
}
