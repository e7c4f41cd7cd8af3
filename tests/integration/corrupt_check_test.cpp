// --experimental-initial-corrupt-check: a member restarting with data that
// differs from its peers' (same revisions, same compaction point, another
// value) refuses to start; one whose data agrees starts and serves.
#include <catch2/catch.hpp>

#include "storage/rocks_store.hpp"
#include "test_cluster.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

// Rewrites the value of the MVCC record at `revision` in a stopped member's
// data directory: the damage a bad disk or a bug would do.
void overwrite_record(const std::string& data_dir, std::int64_t revision, const std::string& value) {
  std::string error;
  auto store = acord::storage::RocksStore::open(data_dir, error);
  REQUIRE(store);
  acord::storage::Loaded loaded;
  REQUIRE(store->load(loaded, error));
  acord::storage::WriteSet w;
  for (const auto& r : loaded.records) {
    if (r.revision.main != revision) continue;
    acord::mvcc::Record changed = r;
    changed.kv.value = value;
    w.mvcc_ops.push_back(acord::mvcc::MirrorOp{false, changed});
  }
  REQUIRE(w.mvcc_ops.size() == 1);
  w.sync = true;
  REQUIRE(store->write(w, error));
}

std::uint32_t hash_of(Server& s) {
  HashKVResponse r;
  REQUIRE(s.maintenance().HashKV(ctx().get(), HashKVRequest{}, &r).ok());
  return r.hash();
}

}  // namespace

TEST_CASE("initial corruption check: a restarted member whose data differs from its peers' refuses to start",
          "[cluster][corrupt]") {
  TestCluster c(3, {"--experimental-initial-corrupt-check"});
  PutResponse first;
  REQUIRE(put(c.members[0]->kv(), "k1", "v1", &first).ok());
  for (int i = 2; i <= 20; ++i) REQUIRE(put(c.members[0]->kv(), "k" + std::to_string(i), "v").ok());
  // Every member applied the same log: the same hash everywhere.
  REQUIRE(wait_until([&] { return hash_of(*c.members[2]) == hash_of(*c.members[0]); }, std::chrono::seconds(10)));
  CHECK(hash_of(*c.members[1]) == hash_of(*c.members[0]));

  // A clean restart passes the check and serves.
  REQUIRE(c.members[2]->stop() == 0);
  c.members[2]->start();
  REQUIRE(c.members[2]->wait_ready());
  CHECK(c.members[2]->log().find("initial corruption checking passed") != std::string::npos);

  // Its record of k1 changed on disk: the peers at the same compaction point
  // disagree, and it stops with etcd's reason.
  REQUIRE(c.members[2]->stop() == 0);
  overwrite_record(c.members[2]->data_dir(), first.header().revision(), "tampered");
  c.members[2]->start();
  const int code = c.members[2]->process()->wait(std::chrono::seconds(30));
  CHECK(code == 1);
  const auto log = c.members[2]->log();
  CHECK(log.find("found different hash values from remote peer") != std::string::npos);
  CHECK(log.find("found data inconsistency with peers") != std::string::npos);
  // The others never noticed: they still serve writes.
  CHECK(put(c.members[0]->kv(), "after", "x").ok());
}
