// The Raft core with a single voter (Raft paper §5.2 elections, §5.3
// replication, §5.4.2 committing only entries of the current term).
#include <catch2/catch.hpp>

#include "core/raft/raft_core.hpp"

using namespace acord::raft;

namespace {
Config single(NodeId id = 1) { return Config{id, {id}, 10, 1, 7}; }

// Plays the node's part: persist (here: remember), then advance.
struct Driver {
  RaftCore core;
  std::vector<Entry> durable;
  HardState hs;
  std::vector<Entry> applied;
  explicit Driver(Restored r = {}) : core(single(), std::move(r)) {}
  void run() {
    while (core.has_ready()) {
      Ready rd = core.ready();
      if (rd.hard_state) hs = *rd.hard_state;
      for (auto& e : rd.entries) {
        while (!durable.empty() && durable.back().index >= e.index) durable.pop_back();
        durable.push_back(e);
      }
      CHECK(rd.messages.empty());
      for (auto& e : rd.committed) applied.push_back(e);
      core.advance(rd);
    }
  }
};
}  // namespace

TEST_CASE("§5.2 a single voter elects itself after an election timeout", "[raft]") {
  Driver d;
  CHECK(d.core.role() == Role::follower);
  for (int i = 0; i < 9; ++i) d.core.tick();
  CHECK(d.core.role() == Role::follower);  // the timeout is at least election_ticks
  for (int i = 0; i < 11; ++i) d.core.tick();
  CHECK(d.core.role() == Role::leader);
  CHECK(d.core.term() == 1);
  CHECK(d.core.leader() == 1);
}

TEST_CASE("§5.4.2 a new leader appends an empty entry of its term, committed once durable", "[raft]") {
  Driver d;
  d.core.campaign();
  REQUIRE(d.core.role() == Role::leader);
  REQUIRE(d.core.has_ready());
  Ready rd = d.core.ready();
  REQUIRE(rd.entries.size() == 1);
  CHECK(rd.entries[0].data.empty());
  CHECK(rd.entries[0].term == 1);
  CHECK(rd.committed.empty());  // not durable yet: not committed
  CHECK(rd.hard_state->term == 1);
  CHECK(rd.hard_state->vote == 1);
  d.core.advance(rd);
  CHECK(d.core.commit_index() == 1);
  Ready next = d.core.ready();
  REQUIRE(next.committed.size() == 1);
  CHECK(next.hard_state->commit == 1);
}

TEST_CASE("proposals commit in order, batched by whatever waits for one durable write", "[raft]") {
  Driver d;
  d.core.campaign();
  d.run();
  CHECK(d.core.propose("a") == ProposeResult::appended);
  CHECK(d.core.propose("b") == ProposeResult::appended);
  Ready rd = d.core.ready();
  CHECK(rd.entries.size() == 2);  // one persist covers both: group commit
  d.core.advance(rd);
  d.run();
  REQUIRE(d.applied.size() == 3);
  CHECK(d.applied[1].data == "a");
  CHECK(d.applied[2].data == "b");
  CHECK(d.core.applied_index() == 3);
  CHECK_FALSE(d.core.has_ready());
}

TEST_CASE("without a leader a proposal waits in the core, and is appended once this node leads", "[raft][wait]") {
  Driver d;
  CHECK(d.core.propose("x") == ProposeResult::held);
  d.core.read_index(5);
  CHECK(d.core.waiting_entries() == 1);
  CHECK_FALSE(d.core.has_ready());
  d.core.campaign();
  d.run();
  CHECK(d.core.waiting_entries() == 0);
  REQUIRE(d.applied.size() == 2);  // the leader's empty entry, then the proposal
  CHECK(d.applied[1].data == "x");
  CHECK(d.applied[1].term == 1);
}

TEST_CASE("what waits for a leader is dropped after max_wait_ticks - past max_waiting_entries it is refused", "[raft][wait]") {
  Config c = single();
  c.election_ticks = 1000;  // no election meanwhile
  c.max_waiting_entries = 3;
  c.max_wait_ticks = 20;
  RaftCore core(c, {});
  CHECK(core.propose_batch({"a", "b"}) == ProposeResult::held);
  CHECK(core.propose_batch({"c", "d"}) == ProposeResult::dropped);  // all or nothing
  CHECK(core.propose("c") == ProposeResult::held);
  CHECK(core.propose("d") == ProposeResult::dropped);
  for (int i = 0; i < 19; ++i) core.tick();
  CHECK(core.waiting_entries() == 3);
  core.tick();
  CHECK(core.waiting_entries() == 0);
  core.campaign();
  while (core.has_ready()) {
    Ready rd = core.ready();
    for (const auto& e : rd.committed) CHECK(e.data.empty());  // only the leader's own entry
    core.advance(rd);
  }
  CHECK(core.last_index() == 1);
}

TEST_CASE("restart: committed but unapplied entries are applied again - term advances on campaign", "[raft][restart]") {
  Driver first;
  first.core.campaign();
  first.run();
  first.core.propose("a");
  first.core.propose("b");
  first.run();
  // Restart from what was durable, as if only the first two entries were applied.
  Restored r;
  r.hard_state = first.hs;
  r.entries = first.durable;
  r.applied = 1;
  Driver second(r);
  second.run();
  REQUIRE(second.applied.size() == 2);
  CHECK(second.applied[0].data == "a");
  second.core.campaign();
  CHECK(second.core.term() == 2);
  second.run();
  CHECK(second.core.last_index() == 4);
  CHECK(second.core.commit_index() == 4);
}

TEST_CASE("restart with entries beyond commit commits them through the new term's entry", "[raft][restart]") {
  Restored r;
  r.hard_state = HardState{1, 1, 1};
  r.entries = {Entry{1, 1, EntryType::normal, ""}, Entry{1, 2, EntryType::normal, "unacked"}};
  r.applied = 1;
  Driver d(r);
  d.run();
  CHECK(d.applied.empty());  // entry 2 is not known committed
  d.core.campaign();
  d.run();
  REQUIRE(d.applied.size() == 2);
  CHECK(d.applied[0].data == "unacked");
  CHECK(d.applied[1].term == 2);
}

TEST_CASE("trim drops applied entries and keeps the terms it needs", "[raft]") {
  Driver d;
  d.core.campaign();
  d.run();
  for (int i = 0; i < 5; ++i) d.core.propose(std::to_string(i));
  d.run();
  d.core.trim(4);
  CHECK(d.core.first_index() == 5);
  CHECK(d.core.term_at(4) == 1);
  CHECK(d.core.last_index() == 6);
  d.core.propose("after");
  d.run();
  CHECK(d.applied.back().data == "after");
}

TEST_CASE("only voters' votes count", "[raft]") {
  // Any peer is heard (the transport admits only members); a vote from a node
  // that is not a voter does not help a candidate win.
  RaftCore core(Config{1, {1, 2, 3}, 10, 1, 7, false}, Restored{});
  core.campaign();
  REQUIRE(core.role() == Role::candidate);
  Message grant;
  grant.type = Message::Type::vote_response;
  grant.to = 1;
  grant.term = core.term();
  grant.from = 99;
  core.step(grant);
  CHECK(core.role() == Role::candidate);
  grant.from = 2;
  core.step(grant);
  CHECK(core.role() == Role::leader);
}

TEST_CASE("§5.2 members given the same seed still draw different election timeouts", "[raft]") {
  // A node seeded with its own id once cancelled the seed out, so every member
  // timed out together and split every vote.
  auto timeout_of = [](NodeId id, std::uint64_t seed) {
    RaftCore core(Config{id, {1, 2, 3}, 10, 1, seed}, Restored{});
    int ticks = 0;
    while (core.role() == Role::follower && ticks < 100) {
      core.tick();
      ++ticks;
    }
    return ticks;
  };
  // The same seed on three members: their timeouts differ.
  const int a = timeout_of(1, 7), b = timeout_of(2, 7), c = timeout_of(3, 7);
  CHECK_FALSE((a == b && b == c));
  // Seeding each member with its own id (the old bug) must not make them equal.
  CHECK_FALSE((timeout_of(1, 1) == timeout_of(2, 2) && timeout_of(2, 2) == timeout_of(3, 3)));
}

TEST_CASE("the terms of entries memory has dropped are still known, and those never held are reported unknown",
          "[raft][log]") {
  // A log restored from index 11 (entries before it trimmed, the 10th of term 1).
  Restored r;
  r.first_index = 11;
  r.term_before_first = 1;
  r.hard_state = HardState{2, 1, 12};
  r.entries = {Entry{1, 11, EntryType::normal, "a"}, Entry{2, 12, EntryType::normal, "b"}};
  r.applied = 12;
  Driver d(r);
  d.core.campaign();
  d.run();
  REQUIRE(d.core.role() == Role::leader);
  const Term t = d.core.term();
  for (int i = 0; i < 5; ++i) REQUIRE(d.core.propose("x") == ProposeResult::appended);
  d.run();
  const Index last = d.core.last_index();  // 12 + the new leader's entry + 5
  REQUIRE(last == 18);
  d.core.trim(16);  // memory keeps 17 and 18
  REQUIRE(d.core.first_index() == 17);
  // term_at answered 0 for every trimmed entry but the last: a snapshot or a
  // disk trim named by such an index carried term 0.
  CHECK(d.core.term_at(16) == t);
  CHECK(d.core.term_at(13) == t);
  CHECK(d.core.term_at(12) == 2);
  CHECK(d.core.term_at(11) == 1);
  CHECK(d.core.known_term(10) == Term{1});  // the restored log's base
  CHECK_FALSE(d.core.known_term(9));        // never held here: compacted
  CHECK_FALSE(d.core.known_term(19));       // not yet written
  d.core.forget_terms_below(14);
  CHECK_FALSE(d.core.known_term(13));
  CHECK(d.core.known_term(14) == t);
}

TEST_CASE("the term history follows a conflicting tail's replacement and a snapshot", "[raft][log]") {
  TermHistory h;
  h.reset(0, 0);
  for (Index i = 1; i <= 5; ++i) h.append(i, 1);
  for (Index i = 6; i <= 8; ++i) h.append(i, 2);
  CHECK(h.term_at(5) == Term{1});
  CHECK(h.term_at(8) == Term{2});
  // A new leader's entries replace 4.. (term 3).
  h.append(4, 3);
  h.append(5, 3);
  CHECK(h.term_at(3) == Term{1});
  CHECK(h.term_at(4) == Term{3});
  CHECK(h.term_at(5) == Term{3});
  CHECK_FALSE(h.term_at(6));  // replaced, not yet written again
  // A snapshot at 100 of term 7: nothing below is known.
  h.reset(100, 7);
  CHECK_FALSE(h.term_at(99));
  CHECK(h.term_at(100) == Term{7});
}

TEST_CASE("majorities count only voters: elections, the commit index, confirmations", "[raft][quorum]") {
  const std::vector<NodeId> five{1, 2, 3, 4, 5};
  Majority m(five);
  CHECK(m.needed() == 3);
  // An election: pending until three voters agree either way; a non-voter's answer counts for nothing.
  CHECK(m.vote_result({{1, true}, {2, true}, {9, true}}) == VoteResult::pending);
  CHECK(m.vote_result({{1, true}, {2, true}, {3, true}}) == VoteResult::won);
  CHECK(m.vote_result({{1, true}, {2, false}, {3, false}, {4, false}}) == VoteResult::lost);
  // The commit index: the highest index three of the five hold.
  const std::map<NodeId, Index> match{{1, 9}, {2, 7}, {3, 7}, {4, 3}, {5, 1}};
  CHECK(m.committed_index([&](NodeId id) { return match.at(id); }) == 7);
  CHECK(m.reached([](NodeId id) { return id <= 3; }));
  CHECK_FALSE(m.reached([](NodeId id) { return id <= 2 || id == 9; }));
  // One voter is its own majority; none makes none.
  const std::vector<NodeId> one{4};
  CHECK(Majority(one).committed_index([](NodeId) { return Index{5}; }) == 5);
  const std::vector<NodeId> none;
  CHECK(Majority(none).committed_index([](NodeId) { return Index{5}; }) == 0);
  // Four voters need three.
  const std::vector<NodeId> four{1, 2, 3, 4};
  CHECK(Majority(four).committed_index([&](NodeId id) { return match.at(id); }) == 7);
  CHECK(Majority(four).vote_result({{1, false}, {2, false}}) == VoteResult::pending);
}

TEST_CASE("a follower forwards proposals to its leader in messages within the byte budget, numbered in order",
          "[raft]") {
  Config c{1, {1, 2, 3}, 10, 1, 7};
  c.max_bytes_per_message = 100;
  RaftCore core(c, Restored{});
  Message hb;
  hb.type = Message::Type::heartbeat;
  hb.from = 2;
  hb.to = 1;
  hb.term = 1;
  core.step(hb);
  REQUIRE(core.leader() == 2);
  (void)core.ready();
  std::vector<std::string> datas = {std::string(60, 'a'), std::string(30, 'b'), std::string(20, 'c'),
                                    std::string(150, 'd'), std::string(5, 'e')};
  CHECK(core.propose_batch(datas) == ProposeResult::forwarded);
  std::vector<Message> forwards;
  for (auto& m : core.ready().messages) {
    if (m.type == Message::Type::propose) forwards.push_back(m);
  }
  // 60+30 | 20 | 150 alone (past the budget, but one entry goes) | 5
  REQUIRE(forwards.size() == 4);
  CHECK(forwards[0].entries.size() == 2);
  CHECK(forwards[1].entries.size() == 1);
  CHECK(forwards[2].entries.size() == 1);
  CHECK(forwards[2].entries[0].data.size() == 150);
  CHECK(forwards[3].entries.size() == 1);
  for (std::size_t i = 0; i < forwards.size(); ++i) {
    CHECK(forwards[i].to == 2);
    if (i > 0) CHECK(forwards[i].index == forwards[i - 1].index + 1);
  }
}
