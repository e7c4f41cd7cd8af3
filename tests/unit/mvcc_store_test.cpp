// The MVCC store against etcd's revision model (etcd API guarantees: "Revision",
// "KeyValue" fields, compaction).
#include <catch2/catch.hpp>

#include "core/mvcc/mvcc_store.hpp"

using namespace acord::mvcc;

namespace {
KeyValue put(MvccStore& s, const std::string& k, const std::string& v, std::int64_t lease = 0) {
  s.begin_write();
  auto kv = s.put(k, v, lease);
  s.end_write();
  return kv;
}
std::vector<KeyValue> del(MvccStore& s, const std::string& k, const std::string& end = "") {
  s.begin_write();
  auto d = s.delete_range(k, end);
  s.end_write();
  return d;
}
RangeResult get(const MvccStore& s, const std::string& k, const std::string& end = "", std::int64_t rev = 0,
                std::int64_t limit = 0) {
  RangeResult r;
  RangeOptions o;
  o.revision = rev;
  o.limit = limit;
  REQUIRE(s.range(k, end, o, r) == Error::none);
  return r;
}
}  // namespace

TEST_CASE("a fresh store is at revision 1 and each write advances one main revision", "[mvcc]") {
  MvccStore s;
  CHECK(s.current_revision() == 1);
  auto a = put(s, "a", "1");
  CHECK(a.create_revision == 2);
  CHECK(a.mod_revision == 2);
  CHECK(a.version == 1);
  auto a2 = put(s, "a", "2");
  CHECK(a2.create_revision == 2);
  CHECK(a2.mod_revision == 3);
  CHECK(a2.version == 2);
  CHECK(s.current_revision() == 3);
}

TEST_CASE("changes inside one write share a main revision with rising sub revisions", "[mvcc]") {
  MvccStore s;
  s.begin_write();
  s.put("a", "1", 0);
  s.put("b", "1", 0);
  auto events = s.end_write();
  CHECK(s.current_revision() == 2);
  REQUIRE(events.size() == 2);
  auto recs = s.all_records();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].revision == Revision{2, 0});
  CHECK(recs[1].revision == Revision{2, 1});
}

TEST_CASE("a write that changes nothing does not advance the revision", "[mvcc]") {
  MvccStore s;
  put(s, "a", "1");
  CHECK(del(s, "zzz").empty());
  CHECK(s.current_revision() == 2);
}

TEST_CASE("delete leaves a tombstone - a later put starts a new generation at version 1", "[mvcc]") {
  MvccStore s;
  put(s, "a", "1");
  put(s, "a", "2");
  auto d = del(s, "a");
  REQUIRE(d.size() == 1);
  CHECK(d[0].value == "2");
  CHECK(get(s, "a").kvs.empty());
  CHECK(get(s, "a", "", 3).kvs.at(0).value == "2");  // history is still readable
  auto again = put(s, "a", "3");
  CHECK(again.create_revision == 5);
  CHECK(again.version == 1);
}

TEST_CASE("range: single key, key to end, from-key, limit and count", "[mvcc]") {
  MvccStore s;
  for (auto k : {"a", "b", "c", "d"}) put(s, k, k);
  CHECK(get(s, "b").kvs.size() == 1);
  auto r = get(s, "b", "d");
  REQUIRE(r.kvs.size() == 2);
  CHECK(r.kvs[0].key == "b");
  CHECK(r.kvs[1].key == "c");
  CHECK(get(s, "b", std::string("\0", 1)).kvs.size() == 3);
  auto limited = get(s, "a", std::string("\0", 1), 0, 2);
  CHECK(limited.kvs.size() == 2);
  CHECK(limited.count == 4);
  CHECK(get(s, "d", "b").kvs.empty());  // end before key: an empty range
}

TEST_CASE("range past the current revision is a future revision", "[mvcc]") {
  MvccStore s;
  put(s, "a", "1");
  RangeResult r;
  RangeOptions o;
  o.revision = 3;
  CHECK(s.range("a", "", o, r) == Error::future_revision);
}

TEST_CASE("compaction keeps each live key's newest version at or below it", "[mvcc][compaction]") {
  MvccStore s;
  put(s, "a", "1");  // 2
  put(s, "a", "2");  // 3
  put(s, "b", "1");  // 4
  del(s, "b");       // 5
  put(s, "a", "3");  // 6
  REQUIRE(s.compact(5) == Error::none);
  CHECK(s.compacted_revision() == 5);
  // a@3 is what a read at 5 sees; it stays. b's tombstone at 5 drops b entirely.
  CHECK(get(s, "a", "", 5).kvs.at(0).value == "2");
  CHECK(get(s, "a").kvs.at(0).value == "3");
  CHECK(get(s, "b", "", 5).kvs.empty());
  auto recs = s.all_records();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].revision.main == 3);
  CHECK(recs[1].revision.main == 6);
  RangeResult r;
  RangeOptions o;
  o.revision = 4;
  CHECK(s.range("a", "", o, r) == Error::compacted);
}

TEST_CASE("compaction edges: at or below the compacted revision, and past the current one", "[mvcc][compaction]") {
  MvccStore s;
  put(s, "a", "1");
  put(s, "a", "2");
  CHECK(s.compact(4) == Error::future_revision);
  CHECK(s.compact(2) == Error::none);
  CHECK(s.compact(2) == Error::compacted);
  CHECK(s.compact(1) == Error::compacted);
  CHECK(s.compact(3) == Error::none);  // compacting at the current revision is allowed
  CHECK(get(s, "a").kvs.at(0).value == "2");
}

TEST_CASE("the mirror ops rebuild an identical store", "[mvcc][restore]") {
  MvccStore s;
  std::vector<Record> durable;
  auto sync = [&] {
    for (auto& op : s.take_mirror_ops()) {
      if (op.remove) {
        durable.erase(std::remove_if(durable.begin(), durable.end(),
                                     [&](const Record& r) { return r.revision == op.record.revision; }),
                      durable.end());
      } else {
        durable.push_back(op.record);
      }
    }
  };
  put(s, "a", "1");
  put(s, "b", "2", 7);
  put(s, "a", "3");
  del(s, "b");
  s.compact(3);
  put(s, "c", "4");
  sync();
  MvccStore t;
  t.restore(durable, s.compacted_revision(), s.current_revision());
  CHECK(t.current_revision() == s.current_revision());
  CHECK(t.compacted_revision() == s.compacted_revision());
  CHECK(t.size_bytes() == s.size_bytes());
  auto a = s.all_records(), b = t.all_records();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].revision == b[i].revision);
    CHECK(a[i].tombstone == b[i].tombstone);
    CHECK(a[i].kv == b[i].kv);
  }
}

TEST_CASE("size_bytes rises with writes and falls with compaction", "[mvcc][quota]") {
  MvccStore s;
  CHECK(s.size_bytes() == 0);
  put(s, "a", std::string(100, 'x'));
  auto one = s.size_bytes();
  CHECK(one > 100);
  put(s, "a", std::string(100, 'y'));
  CHECK(s.size_bytes() == 2 * one);
  s.compact(3);
  CHECK(s.size_bytes() == one);
}

TEST_CASE("mvcc: a packed key keeps any bytes, copies deeply and orders as its bytes", "[mvcc]") {
  const std::string binary("a\0b\xff", 4);
  PackedKey k(binary);
  CHECK(k.view() == binary);
  PackedKey copy(k);
  CHECK(copy.view() == binary);
  CHECK(copy.view().data() != k.view().data());
  PackedKey moved(std::move(copy));
  CHECK(moved.view() == binary);
  CHECK(copy.view().empty());  // NOLINT: a moved-from key is empty
  const std::string big(100000, 'x');
  moved = PackedKey(big);
  CHECK(moved.view() == big);
  CHECK(PackedKey().view().empty());
  KeyLess less;
  CHECK(less(PackedKey("a"), PackedKey(binary)));  // "a" is a prefix of it
  CHECK(less(std::string_view("a\0a", 3), k));
  CHECK_FALSE(less(k, k));
}
