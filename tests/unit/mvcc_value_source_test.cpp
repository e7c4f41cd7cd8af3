// The MVCC store with its values in a mirror: only the index and recent values
// stay in memory, the others leave once the mirror holds their records, and
// every read answers exactly as a store that keeps them all.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "core/mvcc/mvcc_store.hpp"

using namespace acord::mvcc;

namespace {

// The durable mirror as a node keeps it: records written from take_mirror_ops,
// in batches that may lag behind the store. Counts its reads.
class Mirror : public ValueSource {
 public:
  std::optional<std::string> value_at(const Revision& r) const override {
    ++reads;
    auto it = records.find(r);
    if (it == records.end()) return std::nullopt;
    return it->second.kv.value;
  }
  void write(std::vector<MirrorOp> ops) {
    for (auto& op : ops) {
      if (op.remove) {
        records.erase(op.record.revision);
      } else {
        records[op.record.revision] = std::move(op.record);
      }
    }
  }
  std::map<Revision, Record> records;
  mutable int reads = 0;
};

void put(MvccStore& s, const std::string& k, const std::string& v) {
  s.begin_write();
  s.put(k, v, 0);
  s.end_write();
}

std::string value_at(const MvccStore& s, const std::string& k, std::int64_t rev) {
  RangeResult r;
  RangeOptions o;
  o.revision = rev;
  REQUIRE(s.range(k, "", o, r) == Error::none);
  REQUIRE(r.kvs.size() == 1);
  return r.kvs[0].value;
}

// Both stores give the same answers to every read: ranges at every revision
// not compacted, the history from each of them, and every record.
void require_same_reads(const MvccStore& a, const MvccStore& b) {
  REQUIRE(a.current_revision() == b.current_revision());
  REQUIRE(a.size_bytes() == b.size_bytes());
  const std::string all("\0", 1);
  for (std::int64_t rev = std::max<std::int64_t>(1, a.compacted_revision()); rev <= a.current_revision(); ++rev) {
    RangeResult ra, rb;
    RangeOptions o;
    o.revision = rev;
    REQUIRE(a.range("", all, o, ra) == b.range("", all, o, rb));
    REQUIRE(ra.kvs == rb.kvs);
    std::vector<Event> ea, eb;
    std::int64_t ta = 0, tb = 0;
    REQUIRE(a.history("", all, rev, 0, ea, ta) == b.history("", all, rev, 0, eb, tb));
    REQUIRE(ea.size() == eb.size());
    for (std::size_t i = 0; i < ea.size(); ++i) {
      REQUIRE(ea[i].type == eb[i].type);
      REQUIRE(ea[i].kv == eb[i].kv);
      REQUIRE(ea[i].prev_kv == eb[i].prev_kv);
    }
  }
  auto ra = a.all_records(), rb = b.all_records();
  REQUIRE(ra.size() == rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    REQUIRE(ra[i].revision == rb[i].revision);
    REQUIRE(ra[i].kv == rb[i].kv);
  }
}

}  // namespace

TEST_CASE("a value is held until the mirror has it, then read from there", "[mvcc][values]") {
  Mirror mirror;
  MvccStore s;
  s.set_value_source(&mirror);
  put(s, "k", "v1");  // revision 2
  put(s, "k", "v2");  // 3
  put(s, "k", "v3");  // 4
  // The mirror has nothing yet: every value is still in memory.
  CHECK(s.values_held() == 3);
  CHECK(value_at(s, "k", 2) == "v1");
  CHECK(value_at(s, "k", 3) == "v2");
  CHECK(value_at(s, "k", 0) == "v3");
  CHECK(mirror.reads == 0);

  mirror.write(s.take_mirror_ops());
  s.values_durable_through(3);  // records up to 3 written: v1 and v2 may go
  CHECK(s.values_held() == 1);
  CHECK(value_at(s, "k", 2) == "v1");
  CHECK(mirror.reads == 1);
  CHECK(value_at(s, "k", 0) == "v3");
  CHECK(mirror.reads == 1);
  s.values_durable_through(4);
  CHECK(s.values_held() == 0);
  CHECK(value_at(s, "k", 3) == "v2");
  CHECK(mirror.reads == 2);

  // The newest value too leaves memory (as etcd keeps only its key index in
  // memory): a current read reads it back.
  CHECK(value_at(s, "k", 0) == "v3");
  CHECK(mirror.reads == 3);
  // A put does not: its event's prev_kv has everything but the value, and
  // says where the value is, for a watch that asked for prev_kv.
  s.begin_write();
  s.put("k", "v4", 0);
  auto events = s.end_write();
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].prev_kv);
  CHECK(mirror.reads == 3);
  CHECK(events[0].prev_kv->value.empty());
  CHECK(events[0].prev_kv->mod_revision == 4);
  CHECK(events[0].prev_kv->version == 3);
  CHECK(events[0].prev_kv->create_revision == 2);
  REQUIRE(events[0].prev_value_at);
  CHECK(mirror.value_at(*events[0].prev_value_at) == "v3");
  CHECK(s.values_held() == 1);  // v4, until the mirror has it
  CHECK(value_at(s, "k", 0) == "v4");
  CHECK(mirror.reads == 4);

  // A value still in memory is the event's own.
  s.begin_write();
  s.put("k", "v5", 0);
  events = s.end_write();
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].prev_kv);
  CHECK(events[0].prev_kv->value == "v4");
  CHECK_FALSE(events[0].prev_value_at);
}

TEST_CASE("a superseded value missing from the mirror is data corruption, never an empty value", "[mvcc][values]") {
  Mirror mirror;
  MvccStore s;
  s.set_value_source(&mirror);
  put(s, "k", "old");  // revision 2
  mirror.write(s.take_mirror_ops());
  s.values_durable_through(s.current_revision());
  put(s, "k", "new");  // 3: "old" now lives only in the mirror
  mirror.records.erase(Revision{2, 0});  // ...which lost it
  RangeResult r;
  RangeOptions o;
  o.revision = 2;
  // A read at the past revision, a watch's replay and a snapshot would all
  // have served "" for "old": each stops with the key and revision named.
  CHECK_THROWS_MATCHES(s.range("k", "", o, r), MissingValue,
                       Catch::Message("data corruption: the value of key \"k\" at revision 2/0 is missing or "
                                      "damaged in the data directory"));
  std::vector<Event> events;
  std::int64_t through = 0;
  CHECK_THROWS_AS(s.history("k", "", 2, 0, events, through), MissingValue);
  CHECK_THROWS_AS(s.all_records(), MissingValue);
  // What is in memory still reads.
  CHECK(value_at(s, "k", 3) == "new");
}

TEST_CASE("a value the mirror has leaves memory, a new one stays until its record is there", "[mvcc][values]") {
  Mirror mirror;
  MvccStore s;
  s.set_value_source(&mirror);
  put(s, "k", "old");
  mirror.write(s.take_mirror_ops());
  s.values_durable_through(s.current_revision());
  CHECK(s.values_held() == 0);
  put(s, "k", "new");
  CHECK(s.values_held() == 1);
  CHECK(value_at(s, "k", 2) == "old");
  CHECK(mirror.reads == 1);
  CHECK(value_at(s, "k", 3) == "new");
  CHECK(mirror.reads == 1);
}

TEST_CASE("restore holds values until told the records are durable, unless they came from the mirror",
          "[mvcc][values]") {
  Mirror mirror;
  MvccStore s;
  s.set_value_source(&mirror);
  put(s, "k", "a");
  put(s, "k", "b");
  put(s, "j", "c");
  auto records = s.all_records();
  MvccStore t;
  t.set_value_source(&mirror);
  t.restore(records, 0, s.current_revision());
  CHECK(t.values_held() == 3);  // the mirror (as after a snapshot) may not have them yet
  CHECK(value_at(t, "k", 2) == "a");
  CHECK(mirror.reads == 0);
  mirror.write(s.take_mirror_ops());
  t.values_durable_through(t.current_revision());
  CHECK(t.values_held() == 0);
  CHECK(value_at(t, "k", 2) == "a");
  CHECK(mirror.reads == 1);

  // At a start the records are the mirror's own: only recent values stay.
  MvccStore u;
  u.set_value_source(&mirror);
  u.set_recent_values_revisions(1);
  u.restore(records, 0, s.current_revision(), true);
  CHECK(u.values_held() == 1);  // "c", written at the last revision
  CHECK(value_at(u, "k", 0) == "b");
  CHECK(value_at(u, "j", 0) == "c");
  CHECK(mirror.reads == 2);
  require_same_reads(u, t);
}

TEST_CASE("compaction drops held values and keeps the quota's count", "[mvcc][values][compaction]") {
  Mirror mirror;
  MvccStore s, plain;
  s.set_value_source(&mirror);
  for (auto* st : {&s, &plain}) {
    put(*st, "k", std::string(100, 'a'));
    put(*st, "k", std::string(50, 'b'));
    put(*st, "k", std::string(10, 'c'));
  }
  CHECK(s.values_held() == 3);
  REQUIRE(s.compact(3) == Error::none);
  REQUIRE(plain.compact(3) == Error::none);
  CHECK(s.values_held() == 2);  // the value at 2 is gone with its version
  CHECK(s.size_bytes() == plain.size_bytes());
  mirror.write(s.take_mirror_ops());
  s.values_durable_through(s.current_revision());
  CHECK(s.values_held() == 0);
  CHECK(s.size_bytes() == plain.size_bytes());
  require_same_reads(s, plain);
}

TEST_CASE("random writes: a store with its values in a lagging mirror reads as one that keeps them all",
          "[mvcc][values]") {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
    Mirror mirror;
    MvccStore s, plain;
    s.set_value_source(&mirror);
    s.set_recent_values_revisions(seed % 3 == 0 ? 5 : 0);
    // Writes reach the mirror in batches, some while later ones are pending.
    std::vector<std::pair<std::int64_t, std::vector<MirrorOp>>> in_flight;
    for (int step = 0; step < 200; ++step) {
      const int what = pick(20);
      const std::string key = "k" + std::to_string(pick(6));
      if (what < 12) {
        const std::string value = "v" + std::to_string(step) + std::string(static_cast<std::size_t>(pick(40)), 'x');
        for (auto* st : {&s, &plain}) {
          st->begin_write();
          st->put(key, value, 0);
          if (what == 0) st->put(key + "b", value, 0);  // two changes in one revision
          st->end_write();
        }
      } else if (what < 15) {
        const std::string end = pick(2) == 0 ? std::string() : "k" + std::to_string(pick(6) + 1);
        for (auto* st : {&s, &plain}) {
          st->begin_write();
          st->delete_range(key, end);
          st->end_write();
        }
      } else if (what == 15 && s.current_revision() > 2) {
        const std::int64_t at = s.compacted_revision() + 1 + pick(static_cast<int>(s.current_revision() - s.compacted_revision()));
        REQUIRE(s.compact(at) == plain.compact(at));
      }
      in_flight.emplace_back(s.current_revision(), s.take_mirror_ops());
      plain.take_mirror_ops();
      if (pick(3) == 0) {
        // The storage actor writes what was sent so far, in order.
        const std::size_t n = 1 + static_cast<std::size_t>(pick(static_cast<int>(in_flight.size())));
        for (std::size_t i = 0; i < n; ++i) {
          mirror.write(std::move(in_flight[i].second));
          s.values_durable_through(in_flight[i].first);
        }
        in_flight.erase(in_flight.begin(), in_flight.begin() + static_cast<std::ptrdiff_t>(n));
      }
      if (step % 25 == 24) require_same_reads(s, plain);
    }
    require_same_reads(s, plain);
  }
}

TEST_CASE("recent values stay in memory for the reads and watches that want them", "[mvcc][values]") {
  Mirror mirror;
  MvccStore s;
  s.set_value_source(&mirror);
  s.set_recent_values_revisions(2);
  for (int i = 1; i <= 6; ++i) put(s, "k", "v" + std::to_string(i));  // revisions 2..7
  mirror.write(s.take_mirror_ops());
  s.values_durable_through(s.current_revision());
  // Written at 2..7; the last two revisions' (6 and 7: v5, v6) stay.
  CHECK(s.values_held() == 2);
  CHECK(value_at(s, "k", 6) == "v5");
  CHECK(value_at(s, "k", 7) == "v6");
  CHECK(mirror.reads == 0);
  CHECK(value_at(s, "k", 5) == "v4");
  CHECK(mirror.reads == 1);
  put(s, "k", "v7");
  mirror.write(s.take_mirror_ops());
  s.values_durable_through(s.current_revision());
  CHECK(s.values_held() == 2);  // v6 and v7
  CHECK(value_at(s, "k", 6) == "v5");
  CHECK(mirror.reads == 2);
  CHECK(value_at(s, "k", 7) == "v6");
  CHECK(mirror.reads == 2);
}
