// Changing the members of a running cluster with the real etcdctl: a member
// added joins with --initial-cluster-state existing and catches up; a member
// removed stops and the rest go on; bad changes get etcd's errors.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "test_cluster.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

std::string peer_url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// The id etcdctl printed for the member it added ("Member <hex> added to cluster <hex>"; etcdctl pads the id
// to 16 columns with spaces, so an id below 2^60 comes after two spaces).
std::string added_id(const std::string& out) {
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("Member +([0-9a-f]+) added to cluster")));
  return m[1];
}

// A member started to join a running cluster.
std::unique_ptr<Server> joining_member(const std::string& name, int peer_port, const std::string& initial_cluster,
                                       bool wait = true) {
  ServerOptions o;
  o.name = name;
  o.peer_port = peer_port;
  o.peer_url = peer_url(peer_port);
  o.initial_cluster = initial_cluster;
  o.extra_flags = fast_timers;
  o.extra_flags.insert(o.extra_flags.end(), {"--initial-cluster-state", "existing"});
  o.wait_ready = wait;
  return std::make_unique<Server>(o);
}

std::string get_value(const std::string& endpoint, const std::string& key) {
  auto r = etcdctl(endpoint, {"get", key, "--print-value-only"});
  return r.exit_code == 0 ? r.out : "error: " + r.err;
}

std::unique_ptr<Cluster::Stub> cluster_stub(const Server& s) {
  return Cluster::NewStub(grpc::CreateChannel(s.endpoint(), grpc::InsecureChannelCredentials()));
}

}  // namespace

TEST_CASE("a member added with etcdctl joins a running cluster, gets its data, and serves", "[membership]") {
  ServerOptions first;
  first.name = "infra0";
  first.extra_flags = fast_timers;
  Server s(first);
  for (int i = 0; i < 50; ++i) REQUIRE(put(s.kv(), "k" + std::to_string(i), "v" + std::to_string(i)).ok());

  const int port = free_port();
  auto add = etcdctl(s.endpoint(), {"member", "add", "newmember", "--peer-urls=" + peer_url(port)});
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  CHECK_THAT(add.out, Catch::Contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\""));
  const auto id = added_id(add.out);
  auto listed = etcdctl(s.endpoint(), {"member", "list"});
  CHECK_THAT(listed.out, Catch::Contains(id + ", unstarted, , " + peer_url(port)));

  auto second = joining_member("infra2", port, "infra0=" + s.advertised_peer_url() + ",infra2=" + peer_url(port));
  // The new member has what was written before it joined, and what comes after.
  CHECK(get_value(second->endpoint(), "k49") == "v49\n");
  REQUIRE(put(second->kv(), "through-new", "1").ok());
  CHECK(get_value(s.endpoint(), "through-new") == "1\n");
  listed = etcdctl(s.endpoint(), {"member", "list"});
  CHECK_THAT(listed.out, Catch::Contains(id + ", started, infra2, " + peer_url(port) + ", http://" + second->endpoint()));
  CHECK_THAT(second->log(), Catch::Contains("joining cluster"));

  // Two voters now: a write needs both. Without the new member none commits.
  second->kill9();
  PutRequest p;
  p.set_key("needs-both");
  PutResponse out;
  CHECK_FALSE(s.kv().Put(ctx(std::chrono::seconds(2)).get(), p, &out).ok());
  // Restarted, the joined member goes by its data (its --initial-cluster is not rechecked).
  second->start();
  REQUIRE(second->wait_ready());
  CHECK(put(s.kv(), "after-restart", "1").ok());
  CHECK(get_value(second->endpoint(), "after-restart") == "1\n");
}

TEST_CASE("removed members stop, and the others go on, the leader too", "[membership]") {
  TestCluster c(3);
  const int leader = c.wait_leader();
  REQUIRE(leader >= 0);
  const int follower = (leader + 1) % 3;
  const int other = (leader + 2) % 3;
  auto id_of = [&](int i) {
    StatusResponse st;
    REQUIRE(c.members[i]->maintenance().Status(ctx().get(), StatusRequest{}, &st).ok());
    std::ostringstream hex;
    hex << std::hex << st.header().member_id();
    return hex.str();
  };
  const auto follower_id = id_of(follower);
  const auto leader_id = id_of(leader);

  auto removed = etcdctl(c.members[other]->endpoint(), {"member", "remove", follower_id});
  INFO(removed.out << removed.err);
  REQUIRE(removed.exit_code == 0);
  CHECK_THAT(removed.out, Catch::Contains("removed from cluster"));
  // It applied its own removal and stopped, as etcd's member does.
  CHECK(c.members[follower]->process()->wait(std::chrono::seconds(10)) == 0);
  CHECK_THAT(c.members[follower]->log(), Catch::Contains("permanently removed"));
  auto listed = etcdctl(c.members[leader]->endpoint(), {"member", "list"});
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') == 2);
  CHECK(listed.out.find(follower_id) == std::string::npos);
  REQUIRE(put(c.members[leader]->kv(), "two-left", "1").ok());

  // The leader removes itself: it steps down and stops; the last one leads alone.
  removed = etcdctl(c.members[leader]->endpoint(), {"member", "remove", leader_id});
  INFO(removed.out << removed.err);
  REQUIRE(removed.exit_code == 0);
  CHECK(c.members[leader]->process()->wait(std::chrono::seconds(10)) == 0);
  REQUIRE(c.members[other]->wait_ready());
  CHECK(put(c.members[other]->kv(), "one-left", "1").ok());
  CHECK(get_value(c.members[other]->endpoint(), "two-left") == "1\n");
}

TEST_CASE("bad membership changes get etcd's errors, and change nothing", "[membership][bad-input]") {
  ServerOptions first;
  first.extra_flags = fast_timers;
  Server s(first);
  auto stub = cluster_stub(s);
  StatusResponse st;
  REQUIRE(s.maintenance().Status(ctx().get(), StatusRequest{}, &st).ok());
  const auto self = st.header().member_id();

  MemberAddRequest add;
  add.add_peerurls("not a url");
  MemberAddResponse add_out;
  auto status = stub->MemberAdd(ctx().get(), add, &add_out);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "etcdserver: given member URLs are invalid");

  add.clear_peerurls();
  add.add_peerurls(s.advertised_peer_url());  // this member's own peer url
  status = stub->MemberAdd(ctx().get(), add, &add_out);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message() == "etcdserver: Peer URLs already exists");

  add.set_islearner(true);
  add.clear_peerurls();
  add.add_peerurls(peer_url(free_port()));
  CHECK(stub->MemberAdd(ctx().get(), add, &add_out).error_code() == grpc::StatusCode::UNIMPLEMENTED);

  MemberRemoveRequest remove;
  remove.set_id(12345);
  MemberRemoveResponse remove_out;
  status = stub->MemberRemove(ctx().get(), remove, &remove_out);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status.error_message() == "etcdserver: member not found");

  MemberPromoteRequest promote;
  promote.set_id(self);
  MemberPromoteResponse promote_out;
  status = stub->MemberPromote(ctx().get(), promote, &promote_out);
  CHECK(status.error_message() == "etcdserver: can only promote a learner member");
  promote.set_id(12345);
  CHECK(stub->MemberPromote(ctx().get(), promote, &promote_out).error_message() == "etcdserver: member not found");

  // Update: a member's peer urls change (here to a port nobody uses; one member
  // needs no peers to serve).
  const auto moved = peer_url(free_port());
  auto updated = etcdctl(s.endpoint(), {"member", "update", [&] {
                                          std::ostringstream hex;
                                          hex << std::hex << self;
                                          return hex.str();
                                        }(),
                                        "--peer-urls=" + moved});
  INFO(updated.out << updated.err);
  CHECK(updated.exit_code == 0);
  CHECK_THAT(etcdctl(s.endpoint(), {"member", "list"}).out, Catch::Contains(moved));

  // One started member may add a second (a cluster rebuilt from a snapshot);
  // a third would leave one started member of three: refused.
  add.set_islearner(false);
  add.clear_peerurls();
  add.add_peerurls(peer_url(free_port()));
  REQUIRE(stub->MemberAdd(ctx().get(), add, &add_out).ok());
  CHECK(add_out.members_size() == 2);
  add.clear_peerurls();
  add.add_peerurls(peer_url(free_port()));
  status = stub->MemberAdd(ctx().get(), add, &add_out);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message() == "etcdserver: re-configuration failed due to not enough started members");
  MemberListResponse list;
  REQUIRE(stub->MemberList(ctx().get(), MemberListRequest{}, &list).ok());
  CHECK(list.members_size() == 2);
}

TEST_CASE("a member joining with flags that do not match the cluster is refused with a one-line error",
          "[membership][bad-input]") {
  ServerOptions first;
  first.name = "infra0";
  first.extra_flags = fast_timers;
  Server s(first);
  const int port = free_port();
  REQUIRE(etcdctl(s.endpoint(), {"member", "add", "newmember", "--peer-urls=" + peer_url(port)}).exit_code == 0);
  // --initial-cluster names three members; the cluster has two.
  auto wrong = joining_member("infra2", port,
                              "infra0=" + s.advertised_peer_url() + ",infra2=" + peer_url(port) + ",infra3=" + peer_url(free_port()),
                              false);
  CHECK(wrong->process()->wait(std::chrono::seconds(20)) == 1);
  CHECK_THAT(wrong->log(), Catch::Contains("member count is unequal"));
  // The right flags then work on a fresh directory.
  auto right = joining_member("infra2", port, "infra0=" + s.advertised_peer_url() + ",infra2=" + peer_url(port));
  CHECK(put(right->kv(), "joined", "1").ok());
}

TEST_CASE("membership changes while a client writes: no acknowledged write is lost, and a member added after "
          "the log was trimmed catches up by snapshot",
          "[membership][durability]") {
  TestCluster c(3, {"--snapshot-count", "100"});
  // The writer talks to the first member, which stays; it retries what fails.
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::vector<std::string> acked;
  std::mutex acked_mutex;
  std::thread writer([&] {
    auto kv = c.members[0]->new_kv();
    for (int i = 0; !stop; ++i) {
      PutRequest p;
      p.set_key("w" + std::to_string(i));
      p.set_value(std::string(100, 'x'));
      PutResponse out;
      if (kv->Put(ctx(std::chrono::seconds(2)).get(), p, &out).ok()) {
        std::lock_guard<std::mutex> lock(acked_mutex);
        acked.push_back(p.key());
        ++acked_count;
      }
    }
  });
  auto wait_for_writes = [&](int more) {
    const int target = acked_count + more;
    return wait_until([&] { return acked_count >= target; }, std::chrono::seconds(30));
  };
  // Past what the leader keeps of its log in memory (the retained 100 entries
  // plus the 1,024 it drops at a time): a new member cannot be sent entries
  // from the start.
  REQUIRE(wait_for_writes(1500));

  const int port = free_port();
  auto add = etcdctl(c.members[0]->endpoint(), {"member", "add", "m4", "--peer-urls=" + peer_url(port)});
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  std::string initial;
  for (int i = 0; i < 3; ++i) initial += TestCluster::name(i) + "=" + c.members[i]->advertised_peer_url() + ",";
  auto fourth = joining_member("m4", port, initial + "m4=" + peer_url(port));
  CHECK(wait_until([&] { return fourth->log().find("installed a snapshot") != std::string::npos; },
                   std::chrono::seconds(10)));
  REQUIRE(wait_for_writes(100));

  // The third member goes; the second is killed and comes back.
  StatusResponse st;
  REQUIRE(c.members[2]->maintenance().Status(ctx().get(), StatusRequest{}, &st).ok());
  std::ostringstream third;
  third << std::hex << st.header().member_id();
  auto removed = etcdctl(c.members[0]->endpoint(), {"member", "remove", third.str()});
  INFO(removed.out << removed.err);
  REQUIRE(removed.exit_code == 0);
  CHECK(c.members[2]->process()->wait(std::chrono::seconds(10)) == 0);
  REQUIRE(wait_for_writes(100));
  c.members[1]->kill9();
  REQUIRE(wait_for_writes(100));  // three voters, two up: still a quorum
  c.members[1]->start();
  REQUIRE(c.members[1]->wait_ready());
  REQUIRE(wait_for_writes(100));
  stop = true;
  writer.join();

  // Every member left has every acknowledged write.
  for (Server* m : {c.members[0].get(), c.members[1].get(), fourth.get()}) {
    RangeRequest r;
    r.set_key("w");
    r.set_range_end("x");
    r.set_keys_only(true);
    RangeResponse out;
    REQUIRE(m->kv().Range(ctx(std::chrono::seconds(10)).get(), r, &out).ok());
    std::set<std::string> keys;
    for (const auto& kv : out.kvs()) keys.insert(kv.key());
    std::size_t missing = 0;
    for (const auto& k : acked) missing += keys.count(k) == 0;
    INFO("member " << m->endpoint() << ": " << acked.size() << " acknowledged, " << keys.size() << " present");
    CHECK(missing == 0);
  }
  auto listed = etcdctl(c.members[0]->endpoint(), {"member", "list"});
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') == 3);
}
