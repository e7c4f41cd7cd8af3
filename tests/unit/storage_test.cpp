// The RocksDB layout: what is written comes back after reopening; a damaged
// record is reported, not trusted.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include <rocksdb/db.h>

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
  CHECK_FALSE(decode_entry(1, "garbage"));
  CHECK_FALSE(decode_hard_state(""));
  CHECK(index_key(1) < index_key(256));  // byte order is numeric order
  CHECK(revision_key({1, 300}) < revision_key({2, 0}));
}

TEST_CASE("store: log, hard state, mvcc and apply state survive a reopen", "[storage]") {
  TempDir dir;
  std::string err;
  {
    auto s = RocksStore::open(dir.path.string(), err);
    REQUIRE(s);
    WriteSet w;
    w.identity = Identity{1, 2, "n1"};
    w.hard_state = raft::HardState{2, 1, 3};
    for (raft::Index i = 1; i <= 3; ++i) w.entries.push_back({2, i, raft::EntryType::normal, "e" + std::to_string(i)});
    w.sync = true;
    REQUIRE(s->write(w, err));
    WriteSet a;
    mvcc::MirrorOp op;
    op.record = mvcc::Record{{2, 0}, false, {"k", "v", 2, 2, 1, 0}};
    a.mvcc_ops.push_back(op);
    ApplyState as;
    as.applied_index = 3;
    as.current_revision = 2;
    as.membership.cluster_id = 2;
    as.membership.members.push_back({1, "n1", {"http://p"}, {"http://c"}});
    a.apply_state = as;
    REQUIRE(s->write(a, err));
  }
  auto s = RocksStore::open(dir.path.string(), err);
  REQUIRE(s);
  Loaded l;
  REQUIRE(s->load(l, err));
  REQUIRE(l.identity);
  CHECK(l.identity->name == "n1");
  CHECK(l.hard_state == raft::HardState{2, 1, 3});
  REQUIRE(l.entries.size() == 3);
  CHECK(l.entries[2].data == "e3");
  CHECK(l.apply_state.applied_index == 3);
  REQUIRE(l.apply_state.membership.members.size() == 1);
  CHECK(l.apply_state.membership.members[0].client_urls.at(0) == "http://c");
  REQUIRE(l.records.size() == 1);
  CHECK(l.records[0].kv.value == "v");
}

TEST_CASE("store: new entries replace a conflicting tail - trimming drops the head", "[storage]") {
  TempDir dir;
  std::string err;
  auto s = RocksStore::open(dir.path.string(), err);
  REQUIRE(s);
  WriteSet w;
  for (raft::Index i = 1; i <= 5; ++i) w.entries.push_back({1, i, raft::EntryType::normal, "old"});
  REQUIRE(s->write(w, err));
  WriteSet replace;
  replace.entries.push_back({2, 3, raft::EntryType::normal, "new"});
  REQUIRE(s->write(replace, err));
  WriteSet trim;
  trim.trim_log = LogStart{3, 1};
  REQUIRE(s->write(trim, err));
  Loaded l;
  REQUIRE(s->load(l, err));
  CHECK(l.log_start.first_index == 3);
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].index == 3);
  CHECK(l.entries[0].data == "new");
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
    for (auto name : {"default", "raft_log", "raft_state", "mvcc", "meta"}) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
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
