// The RocksDB layout: what is written comes back after reopening; a damaged
// record is reported, not trusted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include <rocksdb/db.h>

#include "protocol/msgpack_tuple.hpp"
#include "storage/rocks_store.hpp"

using namespace acord;
using namespace acord::storage;

namespace {
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("acord-test-" + std::to_string(std::random_device{}()));
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};
}  // namespace

TEST_CASE("codec: every record round-trips and a foreign version is refused", "[storage][codec]") {
  raft::Entry e{3, 9, raft::EntryType::membership, std::string("\0\x01payload", 9)};
  auto back = decode_entry(9, encode(e));
  REQUIRE(back);
  CHECK(*back == e);
  mvcc::Record r{{7, 2}, false, {"key", "value", 5, 7, 3, 11}};
  auto rb = decode_record(revision_key(r.revision), encode(r));
  REQUIRE(rb);
  CHECK(rb->kv == r.kv);
  CHECK(rb->revision == r.revision);
  raft::Entry change{4, 10, raft::EntryType::conf_change, "c"};
  REQUIRE(decode_entry(10, encode(change)));
  CHECK(decode_entry(10, encode(change))->type == raft::EntryType::conf_change);
  change.type = static_cast<raft::EntryType>(3);
  CHECK_FALSE(decode_entry(10, encode(change)));  // an entry type this version does not know
  Identity joined{7, 8, "n", true};
  auto id = decode_identity(encode(joined));
  REQUIRE(id);
  CHECK(id->joined);
  CHECK(id->member_id == 7);
  // Written before members could join (three fields): a member of the flags' cluster.
  auto old = decode_identity(protocol::pack_tuple(std::make_tuple(std::uint8_t{1}, std::uint64_t{7}, std::uint64_t{8},
                                                                  std::string("n"))));
  REQUIRE(old);
  CHECK_FALSE(old->joined);
  CHECK(old->name == "n");
  // The applied state names the term of its applied entry; one written
  // before it did (six fields) decodes with none.
  ApplyState as;
  as.applied_index = 12;
  as.applied_term = 5;
  as.current_revision = 9;
  auto asb = decode_apply_state(encode(as));
  REQUIRE(asb);
  CHECK(asb->applied_index == 12);
  CHECK(asb->applied_term == 5);
  auto six = decode_apply_state(protocol::pack_tuple(std::make_tuple(
      std::uint8_t{1}, raft::Index{12}, std::int64_t{9}, std::int64_t{0}, false, protocol::encode(protocol::Membership{}),
      std::string("3.4.0"))));
  REQUIRE(six);
  CHECK(six->applied_index == 12);
  CHECK(six->applied_term == 0);
  CHECK(six->cluster_version == "3.4.0");
  CHECK_FALSE(decode_entry(1, "garbage"));
  CHECK_FALSE(decode_hard_state(""));
  CHECK(index_key(1) < index_key(256));  // byte order is numeric order
  CHECK(revision_key({1, 300}) < revision_key({2, 0}));
}

TEST_CASE("store: a damaged record stops the load with a message", "[storage]") {
  TempDir dir;
  std::string err;
  {
    auto s = RocksStore::open(dir.path.string(), err);
    REQUIRE(s);
    WriteSet w;
    w.entries.push_back({1, 1, raft::EntryType::normal, "ok"});
    REQUIRE(s->write(w, err));
  }
  {
    // Write bytes that are not an entry straight into the log, as a torn or
    // foreign write would leave them.
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto name : {"default", "raft_log", "raft_state", "mvcc", "meta", "lease"}) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path.string(), cfs, &handles, &db).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[1], index_key(2), "not msgpack \xff").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto s = RocksStore::open(dir.path.string(), err);
  REQUIRE(s);
  Loaded l;
  CHECK_FALSE(s->load(l, err));
  CHECK_THAT(err, Catch::Contains("damaged raft log entry 2"));
}
