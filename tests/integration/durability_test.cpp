// Durability is the contract: a write acknowledged to a client survives kill -9
// at any moment, and the node restarts at the same revision with the same
// member and cluster ids.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "server.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

struct Acked {
  std::mutex mu;
  std::map<std::string, std::pair<std::string, std::int64_t>> kvs;  // key -> (value, revision)
  std::int64_t max_revision = 0;
  std::atomic<int> count{0};
};

// Puts w<id>-<n> = <round>:<n> until the server stops answering; records what was acknowledged.
void writer(Server& s, int id, int round, Acked& acked, std::atomic<bool>& stop) {
  for (int n = 0; !stop; ++n) {
    PutRequest r;
    r.set_key("w" + std::to_string(id) + "-" + std::to_string(n));
    r.set_value(std::to_string(round) + ":" + std::to_string(n));
    PutResponse out;
    if (!s.kv().Put(ctx(std::chrono::seconds(2)).get(), r, &out).ok()) return;
    std::lock_guard<std::mutex> lock(acked.mu);
    acked.kvs[r.key()] = {r.value(), out.header().revision()};
    acked.max_revision = std::max(acked.max_revision, out.header().revision());
    ++acked.count;
  }
}

StatusResponse status(Server& s) {
  StatusResponse out;
  REQUIRE(s.maintenance().Status(ctx().get(), StatusRequest{}, &out).ok());
  return out;
}

}  // namespace

TEST_CASE("kill -9 during a stream of writes loses no acknowledged write", "[durability][kill]") {
  Server s;
  const auto before = status(s);
  std::mt19937 rng(std::random_device{}());
  Acked acked;
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    const int target = acked.count + 100 + static_cast<int>(rng() % 400);
    std::vector<std::thread> writers;
    for (int id = 0; id < 4; ++id) writers.emplace_back(writer, std::ref(s), id, round, std::ref(acked), std::ref(stop));
    REQUIRE(wait_until([&] { return acked.count >= target; }, std::chrono::seconds(30)));
    s.kill9();  // mid-stream: writers have requests in flight
    stop = true;
    for (auto& t : writers) t.join();
    s.start();
    REQUIRE(s.wait_ready());

    std::lock_guard<std::mutex> lock(acked.mu);
    INFO("round " << round << ", acknowledged writes: " << acked.kvs.size());
    int missing = 0;
    for (const auto& [key, v] : acked.kvs) {
      RangeRequest r;
      r.set_key(key);
      RangeResponse out;
      REQUIRE(s.kv().Range(ctx().get(), r, &out).ok());
      // A later round may have overwritten the key; never with an older value.
      if (out.kvs_size() != 1 || out.kvs(0).mod_revision() < v.second) {
        ++missing;
        continue;
      }
      if (out.kvs(0).mod_revision() == v.second) CHECK(out.kvs(0).value() == v.first);
    }
    CHECK(missing == 0);
    const auto after = status(s);
    CHECK(after.header().revision() >= acked.max_revision);
    CHECK(after.header().member_id() == before.header().member_id());
    CHECK(after.header().cluster_id() == before.header().cluster_id());
    CHECK(after.raftterm() > before.raftterm());  // each restart is a new election
  }
  // The next write continues the revision sequence.
  PutRequest r;
  r.set_key("after");
  PutResponse out;
  REQUIRE(s.kv().Put(ctx().get(), r, &out).ok());
  CHECK(out.header().revision() > acked.max_revision);
}

TEST_CASE("a clean stop (SIGTERM) exits 0 and keeps everything", "[durability]") {
  Server s;
  for (int i = 0; i < 20; ++i) {
    PutRequest r;
    r.set_key("k" + std::to_string(i));
    r.set_value(std::to_string(i));
    PutResponse out;
    REQUIRE(s.kv().Put(ctx().get(), r, &out).ok());
  }
  CHECK(s.stop() == 0);
  s.start();
  REQUIRE(s.wait_ready());
  RangeRequest r;
  r.set_key("k");
  r.set_range_end("l");
  RangeResponse out;
  REQUIRE(s.kv().Range(ctx().get(), r, &out).ok());
  CHECK(out.count() == 20);
  CHECK(out.header().revision() == 21);
}

TEST_CASE("restart after the raft log was trimmed (--snapshot-count) keeps everything", "[durability][trim]") {
  ServerOptions o;
  o.extra_flags = {"--snapshot-count", "50"};
  Server s(o);
  for (int i = 0; i < 400; ++i) {
    PutRequest r;
    r.set_key("t" + std::to_string(i));
    r.set_value(std::to_string(i));
    PutResponse out;
    REQUIRE(s.kv().Put(ctx().get(), r, &out).ok());
  }
  for (int restart = 0; restart < 2; ++restart) {
    s.kill9();
    s.start();
    REQUIRE(s.wait_ready());
    RangeRequest r;
    r.set_key("t");
    r.set_range_end("u");
    RangeResponse out;
    REQUIRE(s.kv().Range(ctx().get(), r, &out).ok());
    CHECK(out.count() == 400);
    CHECK(out.header().revision() == 401);
  }
}
