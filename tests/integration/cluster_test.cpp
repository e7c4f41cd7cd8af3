// Real clusters of acord processes on loopback: writes and reads through any
// member, failover after kill -9 of the leader with no acknowledged write lost,
// a restarted member catching up, a five-member cluster serving with two
// members down, and a member without quorum answering as etcd does.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "test_cluster.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

std::optional<std::string> get(KV::Stub& kv, const std::string& key, bool serializable = false) {
  RangeRequest r;
  r.set_key(key);
  r.set_serializable(serializable);
  RangeResponse out;
  if (!kv.Range(ctx(std::chrono::seconds(3)).get(), r, &out).ok() || out.kvs_size() != 1) return std::nullopt;
  return out.kvs(0).value();
}

}  // namespace

TEST_CASE("cluster: a write through any member is read from every member", "[cluster][raft]") {
  TestCluster c(3);
  REQUIRE(c.wait_leader() >= 0);
  for (std::size_t i = 0; i < c.members.size(); ++i) {
    REQUIRE(put(c.members[i]->kv(), "k" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  for (auto& m : c.members) {
    for (std::size_t i = 0; i < c.members.size(); ++i) {
      CHECK(get(m->kv(), "k" + std::to_string(i)) == "v" + std::to_string(i));  // linearizable: no stale read
    }
  }
  // Every member lists every member, with its client url.
  auto list = etcdctl(c.members[0]->endpoint(), {"member", "list"});
  CHECK(list.exit_code == 0);
  for (auto& m : c.members) CHECK_THAT(list.out, Catch::Contains(m->endpoint()));
}

TEST_CASE("cluster: kill -9 of the leader during writes - a new leader, nothing acknowledged lost, the old one catches up",
          "[cluster][raft][kill]") {
  TestCluster c(3);
  const int old_leader = c.wait_leader();
  REQUIRE(old_leader >= 0);
  std::mutex mu;
  std::map<std::string, std::string> acked;
  std::atomic<int> acks{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (std::size_t w = 0; w < c.members.size(); ++w) {
    writers.emplace_back([&, w] {
      auto kv = c.members[w]->new_kv();
      for (int n = 0; !stop; ++n) {
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(n);
        if (put(*kv, key, std::to_string(n)).ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acked[key] = std::to_string(n);
          ++acks;
        }
      }
    });
  }
  REQUIRE(wait_until([&] { return acks >= 150; }, std::chrono::seconds(30)));
  c.members[old_leader]->kill9();
  const int before_failover = acks;
  // Writes resume through the survivors once they elect a new leader.
  const bool resumed = wait_until([&] { return acks >= before_failover + 150; }, std::chrono::seconds(30));
  stop = true;
  for (auto& t : writers) t.join();
  REQUIRE(resumed);
  const int new_leader = c.wait_leader();
  CHECK(new_leader >= 0);
  CHECK(new_leader != old_leader);
  // The old leader comes back and catches up.
  c.members[old_leader]->start();
  REQUIRE(c.members[old_leader]->wait_ready(std::chrono::seconds(30)));
  std::lock_guard<std::mutex> lock(mu);
  INFO("acknowledged writes: " << acked.size());
  for (auto& m : c.members) {
    int missing = 0;
    for (const auto& [key, value] : acked) {
      if (get(m->kv(), key) != value) ++missing;
    }
    CHECK(missing == 0);
  }
  // Serializable reads on the restarted member show it holds the data itself.
  wait_until([&] { return get(c.members[old_leader]->kv(), acked.rbegin()->first, true).has_value(); },
             std::chrono::seconds(10));
  CHECK(get(c.members[old_leader]->kv(), acked.rbegin()->first, true) == acked.rbegin()->second);
}

TEST_CASE("cluster: five members with two down keep serving", "[cluster][raft]") {
  TestCluster c(5);
  int leader = c.wait_leader();
  REQUIRE(leader >= 0);
  // Stop two members, one of them the leader.
  c.members[leader]->kill9();
  c.members[(leader + 1) % 5]->kill9();
  const int up = (leader + 2) % 5;
  REQUIRE(wait_until([&] { return put(c.members[up]->kv(), "five", "ok").ok(); }, std::chrono::seconds(20)));
  for (int i = 0; i < 5; ++i) {
    if (!c.members[i]->running()) continue;
    CHECK(get(c.members[i]->kv(), "five") == "ok");
  }
}

TEST_CASE("cluster: without a quorum writes fail as etcd's do, serializable reads still answer", "[cluster][raft]") {
  TestCluster c(3);
  REQUIRE(c.wait_leader() >= 0);
  REQUIRE(put(c.members[0]->kv(), "before", "1").ok());
  REQUIRE(wait_until([&] { return get(c.members[2]->kv(), "before", true) == "1"; }, std::chrono::seconds(10)));
  c.members[0]->kill9();
  c.members[1]->kill9();
  PutRequest r;
  r.set_key("after");
  PutResponse out;
  auto st = c.members[2]->kv().Put(ctx(std::chrono::seconds(15)).get(), r, &out);
  CHECK(st.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_THAT(st.error_message(), Catch::Matches("etcdserver: (request timed out|no leader)"));
  CHECK(get(c.members[2]->kv(), "before", true) == "1");          // serializable: served locally
  CHECK_FALSE(get(c.members[2]->kv(), "before", false).has_value());  // linearizable: needs a quorum
  // A serializable range of more than one key (the apply actor serves it,
  // not the gRPC thread) needs no quorum either.
  RangeRequest all;
  all.set_key("a");
  all.set_range_end("z");
  all.set_serializable(true);
  RangeResponse listed;
  REQUIRE(c.members[2]->kv().Range(ctx(std::chrono::seconds(5)).get(), all, &listed).ok());
  REQUIRE(listed.kvs_size() == 1);
  CHECK(listed.kvs(0).key() == "before");
}

TEST_CASE("cluster: a member stopped while a write waits for a leader answers it \"server stopped\" and exits",
          "[cluster][raft][stop]") {
  TestCluster c(3);
  REQUIRE(c.wait_leader() >= 0);
  c.members[0]->kill9();
  c.members[1]->kill9();
  REQUIRE(wait_until(
      [&] {
        StatusResponse st;
        return c.members[2]->maintenance().Status(ctx().get(), StatusRequest{}, &st).ok() && st.leader() == 0;
      },
      std::chrono::seconds(10)));
  // A write that waits for a leader (etcd holds it until its deadline).
  grpc::Status answer;
  std::thread writer([&] {
    auto kv = c.members[2]->new_kv();
    PutRequest r;
    r.set_key("waiting");
    PutResponse out;
    answer = kv->Put(ctx(std::chrono::seconds(30)).get(), r, &out);
  });
  const bool held = wait_until(
      [&] { return c.members[2]->log().find("no leader: writes wait") != std::string::npos; }, std::chrono::seconds(10));
  CHECK(held);
  CHECK(c.members[2]->stop() == 0);
  writer.join();
  CHECK(answer.error_code() == grpc::StatusCode::UNAVAILABLE);
  // Told at once, not at the request's own timeout ("request timed out").
  CHECK(answer.error_message() == "etcdserver: server stopped");
}

TEST_CASE("cluster: a leader stopped with SIGTERM hands leadership over before it exits",
          "[cluster][raft][stop]") {
  // An election timeout far longer than a handover takes: without one, the
  // others would wait at least this long to find the leader gone.
  const auto election_timeout = std::chrono::milliseconds(4000);
  TestCluster c(3, {"--election-timeout", std::to_string(election_timeout.count())});
  const int old = c.wait_leader();
  REQUIRE(old >= 0);
  StatusResponse old_status;
  REQUIRE(c.members[old]->maintenance().Status(ctx().get(), StatusRequest{}, &old_status).ok());
  const auto old_id = old_status.header().member_id();
  REQUIRE(put(c.members[old]->kv(), "before", "1").ok());
  const auto stopped_at = std::chrono::steady_clock::now();
  std::thread stopper([&] { CHECK(c.members[old]->stop() == 0); });
  // Both others name the same new leader.
  auto new_leader = [&] {
    std::uint64_t named = 0;
    for (std::size_t i = 0; i < c.members.size(); ++i) {
      if (static_cast<int>(i) == old) continue;
      StatusResponse st;
      if (!c.members[i]->maintenance().Status(ctx(std::chrono::seconds(1)).get(), StatusRequest{}, &st).ok()) {
        return false;
      }
      if (st.leader() == 0 || st.leader() == old_id || (named != 0 && st.leader() != named)) return false;
      named = st.leader();
    }
    return true;
  };
  const bool elected = wait_until(new_leader, std::chrono::seconds(15), std::chrono::milliseconds(20));
  const auto took = std::chrono::steady_clock::now() - stopped_at;
  stopper.join();
  REQUIRE(elected);
  INFO("a new leader after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < election_timeout / 2);
  CHECK(c.members[old]->log().find("handing leadership over") != std::string::npos);
  // The write acknowledged before the stop is there, and the cluster takes more.
  const int survivor = old == 0 ? 1 : 0;
  CHECK(get(c.members[survivor]->kv(), "before") == "1");
  CHECK(put(c.members[survivor]->kv(), "after", "2").ok());
}

TEST_CASE("cluster: a member behind the trimmed log, or with an empty disk, catches up by snapshot",
          "[cluster][raft][snapshot]") {
  TestCluster c(3, {"--snapshot-count", "100"});
  REQUIRE(c.wait_leader() >= 0);
  const int lagging = 2;
  c.members[lagging]->kill9();
  REQUIRE(c.wait_leader() >= 0);  // it may have led: wait for the next leader
  const int writer = 0;
  auto write_batch = [&](const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      INFO("write " << prefix << i);
      // As etcd's clients do, retry while the cluster is between leaders.
      REQUIRE(wait_until([&] { return put(c.members[writer]->kv(), prefix + std::to_string(i), std::to_string(i)).ok(); },
                         std::chrono::seconds(10), std::chrono::milliseconds(50)));
    }
  };
  auto caught_up = [&](const std::string& last_key, const std::string& value) {
    // Serializable: what the member itself holds.
    return wait_until([&] { return get(c.members[lagging]->kv(), last_key, true) == value; },
                      std::chrono::seconds(30), std::chrono::milliseconds(100));
  };
  // A lease and a key attached to it travel in the snapshot too.
  auto granted = etcdctl(c.members[writer]->endpoint(), {"lease", "grant", "600"});
  REQUIRE(granted.exit_code == 0);
  const auto lease = granted.out.substr(6, granted.out.find(' ', 6) - 6);
  REQUIRE(etcdctl(c.members[writer]->endpoint(), {"put", "leased", "v", "--lease=" + lease}).exit_code == 0);
  write_batch("a", 600);  // far more than the leader keeps in its log (100)
  c.members[lagging]->start();
  REQUIRE(c.members[lagging]->wait_ready(std::chrono::seconds(30)));
  REQUIRE(caught_up("a599", "599"));
  // The raft actor logs the install once the apply actor has made it durable,
  // which may be a moment after the installed state already answers reads.
  CHECK(wait_until([&] { return c.members[lagging]->log().find("installed a snapshot") != std::string::npos; },
                   std::chrono::seconds(5)));
  CHECK(get(c.members[lagging]->kv(), "a0", true) == "0");
  RangeRequest count;
  count.set_key("a");
  count.set_range_end("b");
  count.set_serializable(true);
  RangeResponse all;
  REQUIRE(c.members[lagging]->kv().Range(ctx().get(), count, &all).ok());
  CHECK(all.count() == 600);
  // `lease list` is answered from the member's own lease table.
  CHECK_THAT(etcdctl(c.members[lagging]->endpoint(), {"lease", "list"}).out, Catch::Contains(lease));
  CHECK_THAT(etcdctl(c.members[lagging]->endpoint(), {"get", "leased", "--consistency=s", "-w", "fields"}).out,
             Catch::Contains("\"Lease\" : " + std::to_string(std::stoll(lease, nullptr, 16))));

  // The same member loses its disk: it starts empty and is brought up again.
  c.members[lagging]->kill9();
  std::filesystem::remove_all(c.members[lagging]->data_dir());
  write_batch("b", 300);
  c.members[lagging]->start();
  REQUIRE(c.members[lagging]->wait_ready(std::chrono::seconds(30)));
  REQUIRE(caught_up("b299", "299"));
  CHECK(get(c.members[lagging]->kv(), "a599", true) == "599");
  // And it keeps following: new writes reach it through the log.
  REQUIRE(put(c.members[writer]->kv(), "after", "x").ok());
  CHECK(caught_up("after", "x"));
}

TEST_CASE("cluster: etcdctl move-leader hands leadership to another member", "[cluster][raft][transfer]") {
  TestCluster c(3);
  const int leader = c.wait_leader();
  REQUIRE(leader >= 0);
  const int target = (leader + 1) % 3;
  StatusResponse st;
  REQUIRE(c.members[target]->maintenance().Status(ctx().get(), StatusRequest{}, &st).ok());
  const auto target_id = st.header().member_id();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(target_id));
  // etcdctl finds the leader among the endpoints it is given.
  std::string endpoints;
  for (auto& m : c.members) endpoints += (endpoints.empty() ? "" : ",") + m->endpoint();
  auto moved = etcdctl(endpoints, {"move-leader", hex});
  INFO(moved.out << moved.err);
  CHECK(moved.exit_code == 0);
  CHECK_THAT(moved.out, Catch::Contains("Leadership transferred"));
  CHECK(c.wait_leader() == target);
  // A follower refuses, as etcd does.
  MoveLeaderRequest r;
  r.set_targetid(target_id);
  MoveLeaderResponse out;
  auto refused = c.members[leader]->maintenance().MoveLeader(ctx().get(), r, &out);
  CHECK(refused.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(refused.error_message() == "etcdserver: not leader");
  // And writes go on.
  CHECK(put(c.members[leader]->kv(), "after-move", "1").ok());
}
