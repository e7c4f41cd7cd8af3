// Taking an etcd snapshot's database: records, leases, compaction point, and
// the refusal of a live member's data.
#include <catch2/catch.hpp>

#include "storage/bbolt_file.hpp"
#include "storage/etcd_import.hpp"
#include "storage/etcd_snapshot.hpp"

using namespace acord;
using namespace acord::storage;

namespace {
EtcdSnapshotInput sample(std::uint64_t applied_index) {
  EtcdSnapshotInput in;
  in.applied_index = applied_index;
  in.compacted_revision = 3;
  mvcc::Record a{mvcc::Revision{3, 0}, false, mvcc::KeyValue{"a", "1", 2, 3, 2, 0}};
  mvcc::Record gone{mvcc::Revision{4, 0}, true, mvcc::KeyValue{"b", "", 0, 4, 0, 0}};
  mvcc::Record leased{mvcc::Revision{5, 1}, false, mvcc::KeyValue{"c", std::string(5000, 'v'), 5, 5, 1, 0x694d}};
  in.records = {a, gone, leased};
  in.leases = {LeaseRecord{0x694d, 600}};
  return in;
}
}  // namespace

TEST_CASE("etcd import: a restored snapshot's records, leases and compaction point", "[etcd-import]") {
  const auto in = sample(1);  // restored for one member
  std::string file = etcd_snapshot_file(in);
  file.resize(file.size() - 32);  // restore keeps the database, not the digest
  std::string error;
  auto got = import_etcd_db(file, 1, error);
  INFO(error);
  REQUIRE(got);
  REQUIRE(got->records.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(got->records[i].revision == in.records[i].revision);
    CHECK(got->records[i].tombstone == in.records[i].tombstone);
    CHECK(got->records[i].kv == in.records[i].kv);
  }
  CHECK(got->current_revision == 5);
  CHECK(got->compacted_revision == 3);
  REQUIRE(got->leases.size() == 1);
  CHECK(got->leases[0] == in.leases[0]);
}

TEST_CASE("etcd import: a live member's database, or a damaged one, is refused with a reason", "[etcd-import]") {
  std::string error;
  auto live = etcd_snapshot_file(sample(12345));
  CHECK_FALSE(import_etcd_db(live, 3, error));
  CHECK(error.find("live etcd member") != std::string::npos);
  CHECK(error.find("12345") != std::string::npos);

  BboltBuckets b;
  b["meta"] = {{"consistent_index", std::string("\0\0\0\0\0\0\0\1", 8)}};
  b["key"] = {{"not a revision", "x"}};
  CHECK_FALSE(import_etcd_db(write_bbolt(b), 1, error));
  CHECK(error.find("key bucket") != std::string::npos);
  CHECK_FALSE(import_etcd_db("not bbolt", 1, error));

  std::string none;
  CHECK_FALSE(import_etcd_data_dir("/nonexistent-dir-for-acord-tests", 1, none));
  CHECK(none.empty());  // no etcd data there: nothing to say
}
