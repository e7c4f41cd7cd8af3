// Directed scenarios for several Raft members, each on a hand-driven network:
// messages move only when the test delivers them, and a test can cut links.
// (The randomized counterpart is raft_simulation_test.cpp.)
#include <catch2/catch.hpp>

#include "raft_net.hpp"

using namespace acord::raft;
using acord::raft::test::Net;


TEST_CASE("§5.2 three members elect one leader, and §5.3 its entries reach every log", "[raft][cluster]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  CHECK(net[2].leader() == 1);
  CHECK(net[3].leader() == 1);
  CHECK(net[1].term() == 1);
  for (int i = 0; i < 10; ++i) REQUIRE(net[1].propose("e" + std::to_string(i)) == ProposeResult::appended);
  net.settle();
  net.tick_all(2);  // heartbeats carry the commit index to followers
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    REQUIRE(net.applied[id].size() == 11);  // the leader's empty entry and ten proposals
    CHECK(net.applied[id].back().data == "e9");
  }
}

TEST_CASE("PreVote: a member cut off and back neither raises terms nor deposes the leader", "[raft][cluster]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  net.isolated.insert(3);
  net.tick_all(100);  // member 3 times out again and again, but only pre-votes
  CHECK(net[3].term() == 1);
  net.isolated.clear();
  net.tick_all(5);
  CHECK(net.leader() == 1);
  CHECK(net[1].term() == 1);
  CHECK(net[3].leader() == 1);
}

TEST_CASE("CheckQuorum: a leader cut off from the majority steps down - the majority elects another", "[raft][cluster]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  net.isolated.insert(1);
  net.tick_all(40);
  CHECK(net[1].role() != Role::leader);  // no quorum heard within an election timeout
  const NodeId next = net.leader();
  CHECK((next == 2 || next == 3));
  CHECK(net[next].term() == 2);
  // Back again, the old leader follows the new term.
  net.isolated.clear();
  net.tick_all(5);
  CHECK(net[1].leader() == next);
  CHECK(net[1].term() == net[next].term());
}

TEST_CASE("§5.3 a follower's conflicting tail is replaced by the leader's log", "[raft][cluster]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  net.isolated.insert(1);
  // The cut-off leader appends entries nobody else sees.
  REQUIRE(net[1].propose("lost-1") == ProposeResult::appended);
  REQUIRE(net[1].propose("lost-2") == ProposeResult::appended);
  net.flush();
  net.wire.clear();
  net.tick_all(40);  // 2 or 3 takes over in term 2
  const NodeId next = net.leader();
  REQUIRE(next != 0);
  REQUIRE(net[next].propose("kept") == ProposeResult::appended);
  net.isolated.clear();
  net.tick_all(10);
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    bool lost = false, kept = false;
    for (const auto& e : net.applied[id]) {
      lost = lost || e.data.rfind("lost", 0) == 0;
      kept = kept || e.data == "kept";
    }
    CHECK_FALSE(lost);
    CHECK(kept);
  }
  CHECK(net[1].last_index() == net[next].last_index());
}

TEST_CASE("ReadIndex: a read point comes out only after a quorum confirmed the leader", "[raft][cluster][read]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net[1].propose("x") == ProposeResult::appended);
  net.settle();
  net[1].read_index(7);
  net.flush();
  CHECK(net.reads[1].empty());  // the heartbeat round has not happened yet
  net.settle();
  REQUIRE(net.reads[1].size() == 1);
  CHECK(net.reads[1][0].context == 7);
  CHECK(net.reads[1][0].index == net[1].commit_index());
  // A follower's read goes to the leader, which confirms it like its own and
  // answers with its commit index (etcd-io/raft's MsgReadIndex).
  net[2].read_index(9);
  net.settle();
  REQUIRE(net.reads[2].size() == 1);
  CHECK(net.reads[2][0].context == 9);
  CHECK(net.reads[2][0].index == net[1].commit_index());
  // Cut off, the leader confirms nothing: neither its own read nor one asked
  // through a follower comes out.
  net.isolated.insert(1);
  net[1].read_index(8);
  net[2].read_index(10);
  net.tick_all(3);
  CHECK(net.reads[1].size() == 1);
  CHECK(net.reads[2].size() == 1);
}

TEST_CASE("a batch of proposals goes out in one append per follower, a batch of reads in one heartbeat round",
          "[raft][cluster][batch]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  net.tick_all(2);
  REQUIRE(net.leader() == 1);
  REQUIRE(net[1].propose_batch({"a", "b", "c"}) == ProposeResult::appended);
  net[1].read_index_batch({21, 22, 23});
  net.flush();
  std::map<NodeId, int> appends, heartbeats;
  for (const auto& m : net.wire) {
    if (m.type == Message::Type::append) {
      ++appends[m.to];
      CHECK(m.entries.size() == 3);
    }
    if (m.type == Message::Type::heartbeat) ++heartbeats[m.to];
  }
  CHECK(appends == std::map<NodeId, int>{{2, 1}, {3, 1}});
  CHECK(heartbeats == std::map<NodeId, int>{{2, 1}, {3, 1}});
  net.settle();
  net.tick_all(2);
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    REQUIRE(net.applied[id].size() >= 3);
    CHECK(net.applied[id][net.applied[id].size() - 3].data == "a");
    CHECK(net.applied[id].back().data == "c");
  }
  REQUIRE(net.reads[1].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(net.reads[1][i].context == 21 + i);
  // A follower's batch goes to the leader in one message and is confirmed
  // by one heartbeat round too.
  net.wire.clear();
  net[2].read_index_batch({24, 25});
  net.flush();
  REQUIRE(net.wire.size() == 1);
  CHECK(net.wire[0].type == Message::Type::read_index);
  net.settle();
  REQUIRE(net.reads[2].size() == 2);
  CHECK(net.reads[2][1].context == 25);
}

TEST_CASE("a new leader serves reads only once an entry of its term committed", "[raft][cluster][read]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  // The leader goes away; appends are lost, so the next leader's own entry
  // cannot commit yet.
  net.isolated.insert(1);
  net.drop_appends = true;
  NodeId next = 0;
  for (int i = 0; i < 60 && next == 0; ++i) {
    net.tick_all(1);
    next = net.leader();
  }
  REQUIRE(next != 0);
  REQUIRE(net[next].term_at(net[next].commit_index()) != net[next].term());
  net[next].read_index(11);
  net.tick_all(2);
  CHECK(net.reads[next].empty());  // held: its commit index may be stale
  net.drop_appends = false;
  net.tick_all(3);
  REQUIRE(net.reads[next].size() == 1);
  CHECK(net.reads[next][0].context == 11);
  CHECK(net[next].term_at(net.reads[next][0].index) == net[next].term());
}

TEST_CASE("leadership transfer: a caught-up follower takes over at once, a lagging one after catching up", "[raft][cluster][transfer]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  REQUIRE(net[1].propose("x") == ProposeResult::appended);
  net.settle();
  REQUIRE(net[1].transfer_leadership(2));
  // Held while handing over, then forwarded to the new leader.
  CHECK(net[1].propose("during") == ProposeResult::held);
  net.settle();
  CHECK(net.leader() == 2);
  net.tick_all(2);
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    REQUIRE_FALSE(net.applied[id].empty());
    CHECK(net.applied[id].back().data == "during");
    CHECK(net.applied[id].back().term == 2);
  }
  CHECK(net[2].term() == 2);
  CHECK(net[1].leader() == 2);
  CHECK(net[3].leader() == 2);

  // Member 3 misses entries, then is chosen: it is caught up first.
  net.isolated.insert(3);
  for (int i = 0; i < 5; ++i) REQUIRE(net[2].propose("y" + std::to_string(i)) == ProposeResult::appended);
  net.settle();
  net.isolated.clear();
  REQUIRE(net[2].transfer_leadership(3));
  net.settle();
  net.tick_all(2);
  CHECK(net.leader() == 3);
  CHECK(net[3].last_index() == net[2].last_index());
  CHECK_FALSE(net[3].transfer_leadership(3));  // not to itself
  CHECK_FALSE(net[1].transfer_leadership(2));  // only a leader hands over
}

TEST_CASE("a follower forwards proposals to the leader in one message - they commit once, in order", "[raft][cluster][forward]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net.leader() == 1);
  net.wire.clear();
  CHECK(net[2].propose_batch({"f1", "f2", "f3"}) == ProposeResult::forwarded);
  CHECK(net[3].propose_conf_change("+9") == ProposeResult::forwarded);
  net.flush();
  REQUIRE(net.wire.size() == 2);
  CHECK(net.wire[0].type == Message::Type::propose);
  CHECK(net.wire[0].to == 1);
  CHECK(net.wire[0].entries.size() == 3);
  CHECK(net.wire[1].entries.at(0).type == EntryType::conf_change);
  net.settle();
  net.tick_all(2);
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    std::vector<std::string> datas;
    for (const auto& e : net.applied[id]) {
      if (!e.data.empty()) datas.push_back(e.data);
    }
    CHECK(datas == std::vector<std::string>{"f1", "f2", "f3", "+9"});
  }
}

TEST_CASE("a follower holds proposals until it hears of a leader, then forwards them", "[raft][cluster][forward]") {
  Net net(3);
  CHECK(net[2].propose("early") == ProposeResult::held);
  net[2].read_index(31);
  CHECK(net[2].waiting_entries() == 1);
  net[1].campaign();
  net.settle();
  net.tick_all(2);
  REQUIRE(net.leader() == 1);
  CHECK(net[2].waiting_entries() == 0);
  REQUIRE_FALSE(net.applied[1].empty());
  CHECK(net.applied[1].back().data == "early");
  REQUIRE(net.reads[2].size() == 1);
  CHECK(net.reads[2][0].context == 31);
}

TEST_CASE("a leader that steps down passes the membership changes it queued on to the next leader", "[raft][cluster][forward]") {
  Net net(3);
  net[1].campaign();
  net.settle();
  REQUIRE(net[1].propose_conf_change("+4") == ProposeResult::appended);
  REQUIRE(net[1].propose_conf_change("+5") == ProposeResult::queued);
  net.flush();
  net.wire.clear();  // "+4" is lost: nothing commits
  // 2 and 3 elect a leader without 1; once 1 hears of it, it steps down and
  // "+5" goes to the new leader ("+4", never committed, is replaced).
  net.isolated.insert(1);
  NodeId next = 0;
  for (int i = 0; i < 60 && next == 0; ++i) {
    net.tick_all(1);
    next = net.leader();
  }
  REQUIRE(next != 0);
  net.isolated.clear();
  net.tick_all(3);
  INFO(net[1].describe() << "\n" << net[2].describe() << "\n" << net[3].describe());
  CHECK(net[1].role() == Role::follower);
  for (NodeId id : {1, 2, 3}) {
    INFO("member " << id);
    std::vector<std::string> changes;
    for (const auto& e : net.applied[id]) {
      if (e.type == EntryType::conf_change) changes.push_back(e.data);
    }
    CHECK(changes == std::vector<std::string>{"+5"});
  }
}
