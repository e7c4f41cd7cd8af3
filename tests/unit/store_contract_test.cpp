// The storage seam's contract (storage/store.hpp), checked against both
// implementations: RocksDB, and the in-memory twin the actor tests use.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>

#include "storage/memory_store.hpp"
#include "storage/rocks_store.hpp"
#include "storage/snapshot.hpp"

using namespace acord;
using namespace acord::storage;

namespace {

// A store that can be "reopened": RocksDB closes and opens its directory;
// the memory twin keeps its state (a process restart without a power cut).
struct Subject {
  virtual ~Subject() = default;
  virtual Store& store() = 0;
  virtual void reopen() = 0;
  virtual std::string name() const = 0;
};

struct RocksSubject : Subject {
  std::filesystem::path dir;
  std::unique_ptr<RocksStore> s;
  RocksSubject() {
    dir = std::filesystem::temp_directory_path() / ("acord-contract-" + std::to_string(std::random_device{}()));
    reopen();
  }
  ~RocksSubject() override {
    s.reset();
    std::filesystem::remove_all(dir);
  }
  Store& store() override { return *s; }
  void reopen() override {
    s.reset();
    std::string err;
    s = RocksStore::open(dir.string(), err);
    REQUIRE(s);
    Loaded l;
    REQUIRE(s->load(l, err));  // the contract: load once before writing
  }
  std::string name() const override { return "rocksdb"; }
};

struct MemorySubject : Subject {
  MemoryStore s;
  Store& store() override { return s; }
  void reopen() override {}
  std::string name() const override { return "memory"; }
};

template <class F>
void for_each_store(F&& body) {
  RocksSubject rocks;
  MemorySubject memory;
  for (Subject* subject : std::initializer_list<Subject*>{&rocks, &memory}) {
    INFO("store: " << subject->name());
    body(*subject);
  }
}

Loaded load(Store& s) {
  Loaded l;
  std::string err;
  REQUIRE(s.load(l, err));
  return l;
}

void write(Store& s, const WriteSet& w) {
  std::string err;
  REQUIRE(s.write(w, err));
}

raft::Entry entry(raft::Term t, raft::Index i, const std::string& data) {
  return raft::Entry{t, i, raft::EntryType::normal, data};
}

}  // namespace

TEST_CASE("store contract: what is written comes back after a reopen", "[storage][contract]") {
  for_each_store([](Subject& subject) {
    WriteSet w;
    w.identity = Identity{1, 2, "n1"};
    w.hard_state = raft::HardState{2, 1, 3};
    for (raft::Index i = 1; i <= 3; ++i) w.entries.push_back(entry(2, i, "e" + std::to_string(i)));
    w.sync = true;
    write(subject.store(), w);
    WriteSet a;
    mvcc::MirrorOp op;
    op.record = mvcc::Record{{2, 0}, false, {"k", "v", 2, 2, 1, 0}};
    a.mvcc_ops.push_back(op);
    ApplyState as;
    as.applied_index = 3;
    as.applied_term = 2;
    as.current_revision = 2;
    as.membership.cluster_id = 2;
    as.membership.members.push_back({1, "n1", {"http://p"}, {"http://c"}});
    a.apply_state = as;
    write(subject.store(), a);
    subject.reopen();
    auto l = load(subject.store());
    REQUIRE(l.identity);
    CHECK(l.identity->name == "n1");
    CHECK(l.hard_state == raft::HardState{2, 1, 3});
    REQUIRE(l.entries.size() == 3);
    CHECK(l.entries[2].data == "e3");
    CHECK(l.apply_state.applied_index == 3);
    CHECK(l.apply_state.applied_term == 2);
    REQUIRE(l.apply_state.membership.members.size() == 1);
    CHECK(l.apply_state.membership.members[0].client_urls.at(0) == "http://c");
    REQUIRE(l.records.size() == 1);
    CHECK(l.records[0].kv.value == "v");
  });
}

TEST_CASE("store contract: new entries replace a conflicting tail - trimming drops the head", "[storage][contract]") {
  for_each_store([](Subject& subject) {
    WriteSet w;
    for (raft::Index i = 1; i <= 5; ++i) w.entries.push_back(entry(1, i, "old"));
    write(subject.store(), w);
    WriteSet replace;
    replace.entries.push_back(entry(2, 3, "new"));
    write(subject.store(), replace);
    WriteSet more;
    more.entries.push_back(entry(2, 4, "next"));  // an append after a replacement
    write(subject.store(), more);
    WriteSet trim;
    trim.trim_log = LogStart{3, 1};
    write(subject.store(), trim);
    subject.reopen();
    auto l = load(subject.store());
    CHECK(l.log_start.first_index == 3);
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[0].index == 3);
    CHECK(l.entries[0].data == "new");
    CHECK(l.entries[1].data == "next");
  });
}

TEST_CASE("store contract: mvcc records are put and removed by revision", "[storage][contract]") {
  for_each_store([](Subject& subject) {
    WriteSet w;
    for (std::int64_t rev = 2; rev <= 4; ++rev) {
      mvcc::MirrorOp op;
      op.record = mvcc::Record{{rev, 0}, false, {"k", std::to_string(rev), 2, rev, rev - 1, 0}};
      w.mvcc_ops.push_back(op);
    }
    mvcc::MirrorOp removal;
    removal.remove = true;
    removal.record.revision = {2, 0};
    w.mvcc_ops.push_back(removal);
    write(subject.store(), w);
    subject.reopen();
    auto l = load(subject.store());
    REQUIRE(l.records.size() == 2);
    CHECK(l.records[0].revision.main == 3);
    CHECK(l.records[1].kv.value == "4");
  });
}

TEST_CASE("memory twin: a power cut keeps what was synced, and nothing after it", "[storage][memory]") {
  MemoryStore s;
  WriteSet a;
  a.entries.push_back(entry(1, 1, "synced"));
  a.sync = true;
  write(s, a);
  WriteSet b;
  b.entries.push_back(entry(1, 2, "not synced"));
  write(s, b);
  CHECK(load(s).entries.size() == 2);
  s.power_cut();
  auto l = load(s);
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].data == "synced");
  // A sync makes everything before it durable too.
  write(s, b);
  WriteSet c;
  c.hard_state = raft::HardState{1, 1, 2};
  c.sync = true;
  write(s, c);
  s.power_cut();
  CHECK(load(s).entries.size() == 2);
}

TEST_CASE("store contract: installing a snapshot replaces the records and restarts the log", "[storage][contract]") {
  for_each_store([](Subject& subject) {
    WriteSet before;
    for (raft::Index i = 1; i <= 4; ++i) before.entries.push_back(entry(1, i, "e"));
    mvcc::MirrorOp old;
    old.record = mvcc::Record{{2, 0}, false, {"old", "x", 2, 2, 1, 0}};
    before.mvcc_ops.push_back(old);
    before.lease_ops.push_back(LeaseOp{false, LeaseRecord{77, 10}});
    write(subject.store(), before);
    WriteSet install;
    install.replace_mvcc = true;
    mvcc::MirrorOp fresh;
    fresh.record = mvcc::Record{{9, 0}, false, {"new", "y", 9, 9, 1, 0}};
    install.mvcc_ops.push_back(fresh);
    install.lease_ops.push_back(LeaseOp{false, LeaseRecord{88, 20}});
    install.reset_log = LogStart{21, 3};
    install.sync = true;
    write(subject.store(), install);
    WriteSet next;
    next.entries.push_back(entry(3, 21, "after"));
    write(subject.store(), next);
    subject.reopen();
    auto l = load(subject.store());
    REQUIRE(l.records.size() == 1);
    CHECK(l.records[0].kv.key == "new");
    CHECK(l.leases == std::vector<LeaseRecord>{LeaseRecord{88, 20}});
    CHECK(l.log_start.first_index == 21);
    CHECK(l.log_start.term_before_first == 3);
    REQUIRE(l.entries.size() == 1);
    CHECK(l.entries[0].data == "after");
  });
}

TEST_CASE("snapshot codec: a state machine round-trips and garbage is refused", "[storage][snapshot]") {
  Snapshot s;
  s.state.applied_index = 42;
  s.state.current_revision = 7;
  s.state.membership.cluster_id = 5;
  s.records.push_back(mvcc::Record{{3, 1}, false, {"k", "v", 2, 3, 2, 0}});
  s.records.push_back(mvcc::Record{{4, 0}, true, {"k", "", 0, 4, 0, 0}});
  s.leases.push_back(LeaseRecord{0x694d7a5d0e1c1234, 30});
  auto back = decode_snapshot(encode(s));
  REQUIRE(back);
  CHECK(back->state.applied_index == 42);
  REQUIRE(back->records.size() == 2);
  CHECK(back->records[0].kv == s.records[0].kv);
  CHECK(back->records[1].tombstone);
  CHECK(back->leases == s.leases);
  CHECK_FALSE(decode_snapshot("nonsense"));
  auto bytes = encode(s);
  CHECK_FALSE(decode_snapshot(bytes.substr(0, bytes.size() - 3)));
}

TEST_CASE("store contract: leases are granted and revoked durably, in the same write as their keys", "[storage][contract]") {
  for_each_store([](Subject& subject) {
    WriteSet grant;
    grant.lease_ops.push_back(LeaseOp{false, LeaseRecord{1, 5}});
    grant.lease_ops.push_back(LeaseOp{false, LeaseRecord{-7, 60}});  // ids are any int64
    grant.lease_ops.push_back(LeaseOp{false, LeaseRecord{3, 9}});
    grant.sync = true;
    write(subject.store(), grant);
    WriteSet revoke;
    revoke.lease_ops.push_back(LeaseOp{true, LeaseRecord{1, 0}});
    revoke.sync = true;
    write(subject.store(), revoke);
    subject.reopen();
    auto l = load(subject.store());
    REQUIRE(l.leases.size() == 2);
    std::vector<std::int64_t> ids;
    for (const auto& x : l.leases) ids.push_back(x.id);
    CHECK(std::count(ids.begin(), ids.end(), 3) == 1);
    CHECK(std::count(ids.begin(), ids.end(), -7) == 1);
    for (const auto& x : l.leases) CHECK(x.ttl_s == (x.id == 3 ? 9 : 60));
  });
}
