// The watch index: events reach exactly the watchers whose range covers the
// key, after their filters, through an index (etcd API: Watch, with key,
// range_end, prefix, from-key, filters, start_revision).
#include <catch2/catch.hpp>

#include "core/watch/watch_index.hpp"

using namespace acord;
using namespace acord::watch;

namespace {
mvcc::Event put(const std::string& key, std::int64_t rev) {
  mvcc::Event e;
  e.type = mvcc::Event::Type::put;
  e.kv.key = key;
  e.kv.mod_revision = rev;
  return e;
}
mvcc::Event del(const std::string& key, std::int64_t rev) {
  auto e = put(key, rev);
  e.type = mvcc::Event::Type::del;
  return e;
}
Watcher w(WatcherId id, const std::string& key, const std::string& end = "") {
  Watcher x;
  x.id = id;
  x.key = key;
  x.end = end;
  return x;
}
}  // namespace

TEST_CASE("events reach key, prefix, from-key and range watchers that cover them, and no others", "[watch]") {
  WatchIndex idx;
  idx.add(w(1, "foo"), 10, 0);                              // one key
  idx.add(w(2, "fo", "fp"), 10, 0);                         // prefix "fo"
  idx.add(w(3, "g", std::string(1, '\0')), 10, 0);          // every key >= "g"
  idx.add(w(4, "a", "fz"), 10, 0);                          // an arbitrary range
  idx.add(w(5, "", std::string(1, '\0')), 10, 0);           // everything
  CHECK(idx.match(put("foo", 11)) == (std::vector<WatcherId>{1, 2, 4, 5}));
  CHECK(idx.match(put("fox", 11)) == (std::vector<WatcherId>{2, 4, 5}));
  CHECK(idx.match(put("goo", 11)) == (std::vector<WatcherId>{3, 5}));
  CHECK(idx.match(put("fz", 11)) == (std::vector<WatcherId>{5}));  // range ends are exclusive
  CHECK(idx.match(put("f", 11)) == (std::vector<WatcherId>{4, 5}));
}

TEST_CASE("a prefix of 0xff bytes and an empty key are handled as etcd defines them", "[watch]") {
  WatchIndex idx;
  idx.add(w(1, "a\xff", "b"), 1, 0);  // the prefix end of "a\xff" is "b"
  CHECK(idx.match(put("a\xff\x01", 2)) == std::vector<WatcherId>{1});
  CHECK(idx.match(put("b", 2)).empty());
}

TEST_CASE("filters drop puts or deletes", "[watch]") {
  WatchIndex idx;
  auto a = w(1, "k");
  a.no_put = true;
  auto b = w(2, "k");
  b.no_delete = true;
  idx.add(a, 1, 0);
  idx.add(b, 1, 0);
  CHECK(idx.match(put("k", 2)) == std::vector<WatcherId>{2});
  CHECK(idx.match(del("k", 3)) == std::vector<WatcherId>{1});
}

TEST_CASE("a watcher from the past is unsynced until its history is replayed, and gets nothing twice", "[watch]") {
  WatchIndex idx;
  idx.add(w(1, "k"), 10, 5);  // wants revisions 5.. while the store is at 10
  idx.add(w(2, "k"), 10, 0);  // from now
  CHECK(idx.unsynced() == std::vector<WatcherId>{1});
  CHECK(idx.match(put("k", 11)) == std::vector<WatcherId>{2});  // not yet: it is catching up
  idx.synced(1, 12);  // history up to 11 replayed
  CHECK(idx.unsynced().empty());
  CHECK(idx.match(put("k", 11)) == std::vector<WatcherId>{2});  // never twice to the one that replayed it
  CHECK(idx.match(put("k", 12)) == (std::vector<WatcherId>{1, 2}));
}

TEST_CASE("removed watchers get nothing more and leave no trace in the index", "[watch]") {
  WatchIndex idx;
  idx.add(w(1, "k"), 1, 0);
  idx.add(w(2, "p", "q"), 1, 0);
  idx.add(w(3, "z", std::string(1, '\0')), 1, 0);
  idx.add(w(4, "a", "c"), 1, 0);
  idx.add(w(5, "k"), 1, 1);  // unsynced
  for (WatcherId id : {1, 2, 3, 4, 5}) CHECK(idx.remove(id));
  CHECK_FALSE(idx.remove(1));
  CHECK(idx.size() == 0);
  CHECK(idx.match(put("k", 2)).empty());
  CHECK(idx.match(put("pa", 2)).empty());
  CHECK(idx.match(put("zz", 2)).empty());
  CHECK(idx.match(put("b", 2)).empty());
}

TEST_CASE("ten thousand single-key watchers: an event finds its own without visiting the rest", "[watch][scale]") {
  WatchIndex idx;
  for (int i = 0; i < 10000; ++i) idx.add(w(i + 1, "key/" + std::to_string(i)), 1, 0);
  CHECK(idx.match(put("key/4242", 2)) == std::vector<WatcherId>{4243});
  CHECK(idx.match(put("other", 2)).empty());
}

TEST_CASE("a desynced watcher leaves the index until it has caught up again", "[watch]") {
  WatchIndex idx;
  Watcher w;
  w.id = 1;
  w.key = "k";
  idx.add(w, 10, 0);
  REQUIRE(idx.is_synced(1));
  mvcc::Event e;
  e.kv.key = "k";
  e.kv.mod_revision = 11;
  CHECK(idx.match(e) == std::vector<WatcherId>{1});
  idx.desync(1, 11);
  CHECK_FALSE(idx.is_synced(1));
  CHECK(idx.match(e).empty());
  CHECK(idx.unsynced() == std::vector<WatcherId>{1});
  idx.caught_up_to(1, 12);
  CHECK(idx.find(1)->next_revision == 12);
  CHECK_FALSE(idx.is_synced(1));
  idx.synced(1, 13);
  e.kv.mod_revision = 12;
  CHECK(idx.match(e).empty());  // before its next revision: already delivered from history
  e.kv.mod_revision = 13;
  CHECK(idx.match(e) == std::vector<WatcherId>{1});
}
