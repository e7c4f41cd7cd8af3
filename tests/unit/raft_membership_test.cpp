// Membership changes in the Raft core, one voter at a time: directed scenarios
// on a hand-driven network. (The simulation adds and removes members under
// faults too: raft_simulation_test.cpp.)
#include <catch2/catch.hpp>

#include "raft_net.hpp"

using namespace acord::raft;
using acord::raft::test::Net;

namespace {
const std::vector<NodeId> one_two{1, 2};

// Delivers only the leader's appends now on the wire; everything else is lost.
void deliver_appends_only(Net& net) {
  net.flush();
  auto batch = std::move(net.wire);
  net.wire.clear();
  for (auto& m : batch) {
    if (m.type == Message::Type::append) net[m.to].step(m);
  }
  net.flush();
  net.wire.clear();
}

// Three voters led by 1, and 4 and 5 running without a vote.
std::unique_ptr<Net> led_by_one_with_spares() {
  auto net = std::make_unique<Net>(3);
  (*net)[1].campaign();
  net->settle();
  REQUIRE(net->leader() == 1);
  net->add_node(4);
  net->add_node(5);
  return net;
}
}  // namespace

TEST_CASE("a member added to a running cluster catches up, then counts toward commit", "[raft][membership]") {
  Net net(1);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  for (int i = 0; i < 5; ++i) REQUIRE(net[1].propose("e" + std::to_string(i)) == ProposeResult::appended);
  net.add_node(2);
  REQUIRE(net[1].propose_conf_change("+2") == ProposeResult::appended);
  net.settle();
  CHECK(net[1].voters() == one_two);
  // The new member got the whole log from the leader and applied its own addition.
  CHECK(net[2].last_index() == net[1].last_index());
  CHECK(net[2].commit_index() == net[1].commit_index());
  CHECK(net[2].voters() == one_two);
  CHECK(net[2].promotable());
  CHECK(net[2].leader() == 1);
  // Two voters now: nothing commits without the new one.
  net.isolated.insert(2);
  REQUIRE(net[1].propose("needs-two") == ProposeResult::appended);
  net.settle();
  CHECK(net[1].commit_index() < net[1].last_index());
  net.isolated.clear();
  net.tick_all(2);  // heartbeats find the gap; the leader resends
  CHECK(net[1].commit_index() == net[1].last_index());
  CHECK(net.applied[2].back().data == "needs-two");
}

TEST_CASE("a member that does not vote never campaigns", "[raft][membership]") {
  Net net(1);
  net.add_node(7);
  for (int i = 0; i < 100; ++i) {
    net[7].tick();
    net.settle();
  }
  CHECK(net[7].role() == Role::follower);
  CHECK(net[7].term() == 0);
  net[7].campaign();
  CHECK(net[7].role() == Role::follower);
}

TEST_CASE("one membership change at a time: the next waits until the last is applied", "[raft][membership]") {
  auto owned = led_by_one_with_spares();
  Net& net = *owned;
  net.isolated = {2, 3};
  REQUIRE(net[1].propose_conf_change("+4") == ProposeResult::appended);
  net.settle();
  const auto before = net[1].last_index();
  CHECK(net[1].propose_conf_change("+5") == ProposeResult::queued);
  CHECK(net[1].last_index() == before);  // not in the log while "+4" is not applied
  CHECK(net[1].membership_change_pending());
  net.isolated.clear();
  // Applying "+4" lets the queued change go: it comes after it in the log.
  net.tick_all(2);
  net.settle();
  net.tick_all(2);
  REQUIRE(net[1].last_index() > before);
  CHECK(net[1].entries().back().data == "+5");
  CHECK(net[1].entries().back().index > before);
  CHECK_FALSE(net[1].membership_change_pending());
  CHECK(net[5].voters() == std::vector<NodeId>{1, 2, 3, 4, 5});
  CHECK(net[1].quorum_size() == 3);
}

TEST_CASE("a new leader counts a membership entry in its log as pending until it is applied", "[raft][membership]") {
  auto owned = led_by_one_with_spares();
  Net& net = *owned;
  REQUIRE(net[1].propose_conf_change("+4") == ProposeResult::appended);
  deliver_appends_only(net);  // in 2's and 3's logs, committed nowhere
  REQUIRE(net[2].last_index() == net[1].last_index());
  net.isolated.insert(1);
  // 2 and 3 elect a leader among themselves; its appends are lost, so its
  // first entry (and "+4" before it) does not commit yet.
  NodeId leader = 0;
  for (int i = 0; i < 100 && leader == 0; ++i) {
    for (NodeId id : {2, 3}) net[id].tick();
    net.flush();
    auto batch = std::move(net.wire);
    net.wire.clear();
    for (auto& m : batch) {
      if (!net.isolated.count(m.to) && m.type != Message::Type::append) net[m.to].step(m);
    }
    net.flush();
    for (NodeId id : {2, 3}) {
      if (net[id].role() == Role::leader) leader = id;
    }
  }
  net.wire.clear();
  REQUIRE(leader != 0);
  REQUIRE(net[leader].voters() == std::vector<NodeId>{1, 2, 3});
  const auto before = net[leader].last_index();
  CHECK(net[leader].propose_conf_change("+5") == ProposeResult::queued);
  CHECK(net[leader].last_index() == before);
  net.tick_all(2);  // heartbeats: the lost appends are sent again; "+4" applies, then "+5" goes
  net.settle();
  net.tick_all(2);
  CHECK(net[leader].voters() == std::vector<NodeId>{1, 2, 3, 4, 5});
  REQUIRE(net[leader].last_index() > before);
  CHECK(net[leader].entries().back().data == "+5");
}

TEST_CASE("a removed leader steps down and the others go on without it", "[raft][membership]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  REQUIRE(net[1].propose_conf_change("-1") == ProposeResult::appended);
  net.settle();
  CHECK(net[1].role() == Role::follower);
  CHECK_FALSE(net[1].promotable());
  for (NodeId id : {2, 3}) CHECK(net[id].voters() == std::vector<NodeId>{2, 3});
  net.tick_all(40);
  const NodeId leader = net.leader();
  REQUIRE((leader == 2 || leader == 3));
  REQUIRE(net[leader].propose("without-1") == ProposeResult::appended);
  net.settle();
  CHECK(net[leader].commit_index() == net[leader].last_index());
  // The removed member never leads again.
  net.tick_all(60);
  CHECK(net[1].role() != Role::leader);
}

TEST_CASE("a removed follower stops counting: two of the remaining two commit", "[raft][membership]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net[1].propose_conf_change("-3") == ProposeResult::appended);
  net.settle();
  REQUIRE(net[1].voters() == std::vector<NodeId>{1, 2});
  net.isolated.insert(3);
  REQUIRE(net[1].propose("x") == ProposeResult::appended);
  net.settle();
  CHECK(net[1].commit_index() == net[1].last_index());
  net[1].read_index(9);
  net.settle();
  REQUIRE(net.reads[1].size() == 1);  // confirmed by 2 alone
}

TEST_CASE("a member with a committed change it has not applied does not campaign", "[raft][membership]") {
  Config c;
  c.id = 1;
  c.voters = {1};
  Restored r;
  r.entries = {Entry{1, 1, EntryType::conf_change, "+2"}};
  r.hard_state = HardState{1, 0, 1};
  RaftCore core(c, r);
  core.campaign();
  CHECK(core.role() == Role::follower);
  core.apply_conf_change(1, {1});  // say the change kept 1 as the only voter
  core.campaign();
  CHECK(core.role() == Role::leader);
}
