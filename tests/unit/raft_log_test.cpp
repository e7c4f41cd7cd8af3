// The Raft core's log and per-follower progress, driven directly.
#include <catch2/catch.hpp>

#include "core/raft/progress.hpp"
#include "core/raft/raft_log.hpp"

using namespace acord::raft;

namespace {
std::vector<Entry> entries(Index from, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (auto t : terms) out.push_back(Entry{t, from++, EntryType::normal, "e" + std::to_string(from)});
  return out;
}
}  // namespace

TEST_CASE("raft log: a trimmed index reports its term if known, a compacted one as unknown, never as 0", "[raft][log]") {
  // Restarted from a disk log that starts at 11 (entry 10 had term 2).
  RaftLog log(entries(11, {2, 3, 3}), 11, 2, 13, 12);
  CHECK(log.first_index() == 11);
  CHECK(log.last_index() == 13);
  CHECK(log.term(10) == Term{2});
  CHECK_FALSE(log.term(9).has_value());  // compacted
  CHECK_FALSE(log.term(14).has_value());  // past the end
  CHECK(log.term_or_zero(9) == 0);
  log.trim(12);  // memory drops what was applied
  CHECK(log.first_index() == 13);
  CHECK(log.term(11) == Term{2});
  CHECK(log.term(12) == Term{3});
  log.forget_terms_below(12);
  CHECK_FALSE(log.term(11).has_value());
  CHECK(log.term_floor() == 12);
}

TEST_CASE("raft log: trim never passes what was handed out to apply", "[raft][log]") {
  RaftLog log(entries(1, {1, 1, 1, 1}), 1, 0, 4, 2);
  log.trim(4);
  CHECK(log.first_index() == 3);
  CHECK(log.entries().size() == 2);
}

TEST_CASE("raft log: merge skips what it holds and replaces a conflicting tail - replaced entries are not stable", "[raft][log]") {
  RaftLog log(entries(1, {1, 1}), 1, 0, 1, 1);
  log.append(2, EntryType::normal, "a");  // 3, term 2: not durable yet
  log.append(2, EntryType::normal, "b");  // 4
  CHECK(log.unstable_entries().size() == 2);
  log.merge(entries(2, {1, 3, 3, 3}));  // 2 held; 3.. conflict (term 3 replaces term 2)
  CHECK(log.last_index() == 5);
  CHECK(log.term(3) == Term{3});
  // The write of the replaced entries completes: they do not count.
  CHECK_FALSE(log.stable_to(4, 2));
  CHECK(log.stable() == 2);
  CHECK(log.stable_to(5, 3));
  CHECK(log.stable() == 5);
}

TEST_CASE("raft log: only committed entries durable here are handed out to apply", "[raft][log]") {
  RaftLog log({}, 1, 0, 0, 0);
  log.append(1, EntryType::normal, "a");
  log.append(1, EntryType::normal, "b");
  log.commit_to(9);  // never past the last entry
  CHECK(log.committed() == 2);
  CHECK(log.entries_to_apply().empty());  // nothing durable yet
  log.stable_to(1, 1);
  REQUIRE(log.entries_to_apply().size() == 1);
  log.applied_to(1);
  log.stable_to(2, 1);
  REQUIRE(log.entries_to_apply().size() == 1);
  CHECK(log.entries_to_apply()[0].data == "b");
}

TEST_CASE("raft log: a snapshot restarts the log after it, committed and durable there", "[raft][log]") {
  RaftLog log(entries(1, {1, 1}), 1, 0, 2, 2);
  log.restore(50, 4);
  CHECK(log.first_index() == 51);
  CHECK(log.last_index() == 50);
  CHECK(log.last_term() == 4);
  CHECK(log.committed() == 50);
  CHECK_FALSE(log.has_unstable());
  CHECK_FALSE(log.term(49).has_value());
}

TEST_CASE("raft log: the newest membership entry in a range", "[raft][log]") {
  RaftLog log({}, 1, 0, 0, 0);
  log.append(1, EntryType::normal, "");
  log.append(1, EntryType::conf_change, "+4");
  log.append(1, EntryType::normal, "x");
  CHECK(log.last_membership_change(0, 3) == 2);
  CHECK(log.last_membership_change(2, 3) == 0);  // after 2: none
  CHECK(log.last_membership_change(0, 1) == 0);
}

TEST_CASE("progress: probe sends one append at a time and backs up on refusal", "[raft][progress]") {
  Progress pr(11, 4);
  CHECK(pr.state == Progress::State::probe);
  CHECK_FALSE(pr.paused());
  pr.sent_append(10, false);
  CHECK(pr.paused());
  CHECK_FALSE(pr.maybe_decrease_to(7, 5));  // not the append in flight: stale
  CHECK(pr.maybe_decrease_to(10, 5));       // the follower's log ends at 5
  CHECK(pr.next == 6);
  pr.match = 3;
  pr.next = 6;
  pr.probe_sent = true;
  CHECK(pr.maybe_decrease_to(5, 0));
  CHECK(pr.next == 4);  // never below what it is known to hold
}

TEST_CASE("progress: replicate pipelines up to its window - acknowledgements free it", "[raft][progress]") {
  Progress pr(1, 2);
  CHECK(pr.maybe_update(5));
  pr.become_replicate();
  CHECK(pr.next == 6);
  pr.sent_append(8, true);
  pr.sent_append(10, true);
  CHECK(pr.next == 11);
  CHECK(pr.paused());  // window of 2 full
  CHECK_FALSE(pr.maybe_update(4));  // old news
  CHECK(pr.maybe_update(8));
  pr.inflight.free_to(8);
  CHECK_FALSE(pr.paused());
  CHECK_FALSE(pr.maybe_decrease_to(7, 7));  // refused below what it holds: stale
  CHECK(pr.maybe_decrease_to(9, 8));
  CHECK(pr.next == 9);
}

TEST_CASE("progress: a snapshot pauses appends until it lands or is due again", "[raft][progress]") {
  Progress pr(1, 4);
  pr.become_snapshot(100);
  CHECK(pr.paused());
  CHECK_FALSE(pr.snapshot_due(105, 10));
  CHECK(pr.snapshot_due(110, 10));
  CHECK(pr.maybe_update(50));
  pr.become_replicate();
  CHECK(pr.state == Progress::State::replicate);
  CHECK(pr.next == 51);
}

TEST_CASE("raft log: an append's slice stops at its byte budget, but always carries one entry", "[raft][log]") {
  std::vector<Entry> es;
  for (Index i = 1; i <= 5; ++i) es.push_back(Entry{1, i, EntryType::normal, std::string(i == 3 ? 100 : 10, 'x')});
  RaftLog log(es, 1, 0, 5, 5);
  CHECK(log.slice(1, 256, 25).size() == 2);   // 10 + 10; the third would pass 25
  CHECK(log.slice(3, 256, 25).size() == 1);   // 100 bytes alone: one entry goes anyway
  CHECK(log.slice(4, 256, 25).size() == 2);
  CHECK(log.slice(1, 2, 1000).size() == 2);   // the count limit still holds
  CHECK(log.slice(1, 256, 1000).size() == 5);
}
