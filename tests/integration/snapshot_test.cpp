// etcdctl snapshot save against acord: the file is etcd's (bbolt and its
// SHA-256), so etcdctl reads its status and restores it, and a real etcd
// started on the restored data directory holds the same keys, revisions,
// leases and compaction point.
#include <catch2/catch.hpp>

#include <csignal>
#include <regex>

#include "server.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

ServerOptions etcd_options() {
  ServerOptions o;
  o.binary = etcd_binary();
  return o;
}

// A one-member server named r1 on a restored data directory.
std::vector<std::string> member_r1(const std::string& binary, const std::string& data, const std::string& client_url,
                                   const std::string& peer_url) {
  return {binary, "--name", "r1", "--data-dir", data, "--listen-client-urls", client_url, "--advertise-client-urls",
          client_url, "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url, "--initial-cluster",
          "r1=" + peer_url};
}

// Overwrites, a delete, a compaction at 3 and a key on a lease; returns the
// lease's id as etcdctl prints it.
std::string write_history(const std::string& ep) {
  REQUIRE(etcdctl(ep, {"put", "foo", "bar"}).exit_code == 0);
  REQUIRE(etcdctl(ep, {"put", "foo", "baz"}).exit_code == 0);
  REQUIRE(etcdctl(ep, {"put", "gone", "x"}).exit_code == 0);
  REQUIRE(etcdctl(ep, {"del", "gone"}).exit_code == 0);
  REQUIRE(etcdctl(ep, {"compaction", "3"}).exit_code == 0);
  const auto grant = etcdctl(ep, {"lease", "grant", "600"});
  std::smatch id;
  REQUIRE(std::regex_search(grant.out, id, std::regex("lease ([0-9a-f]+) granted")));
  const std::string lease = id[1].str();
  REQUIRE(etcdctl(ep, {"put", "leased", "v", "--lease=" + lease}).exit_code == 0);
  return lease;
}

std::string without_headers(const std::string& json) {
  return std::regex_replace(json, std::regex("\"header\":\\{[^}]*\\},?"), "");
}

}  // namespace

TEST_CASE("etcdctl snapshot save: etcd restores acord's snapshot and serves the same data", "[snapshot][etcd]") {
  Server acord;
  const std::string ep = acord.endpoint();
  const std::string lease = write_history(ep);
  // Enough data for the key bucket to need many pages and a branch page above
  // them, and one value larger than a page.
  for (int i = 0; i < 3000; ++i) {
    REQUIRE(put(acord.kv(), "key" + std::to_string(i), std::string(300, 'a' + i % 26)).ok());
  }
  REQUIRE(put(acord.kv(), "big", std::string(20000, 'b')).ok());
  RangeResponse now;
  RangeRequest all;
  all.set_key(std::string(1, '\0'));
  all.set_range_end(std::string(1, '\0'));
  REQUIRE(acord.kv().Range(ctx().get(), all, &now).ok());

  TempDir dir;
  const std::string file = dir.path + "/snap.db";
  const auto save = etcdctl(ep, {"snapshot", "save", file});
  INFO(save.out << save.err);
  REQUIRE(save.exit_code == 0);
  CHECK(save.out.find("Snapshot saved at " + file) != std::string::npos);

  const auto status = etcdctl(ep, {"snapshot", "status", file, "-w", "json"});
  INFO(status.out << status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(status.out.find("\"revision\":" + std::to_string(now.header().revision())) != std::string::npos);

  const int client = free_port(), peer = free_port();
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
  const std::string data = dir.path + "/restored";
  const auto restore = etcdctl(ep, {"snapshot", "restore", file, "--name", "r1", "--initial-cluster", "r1=" + peer_url,
                                    "--initial-advertise-peer-urls", peer_url, "--data-dir", data});
  INFO(restore.out << restore.err);
  REQUIRE(restore.exit_code == 0);

  const std::string client_url = "http://127.0.0.1:" + std::to_string(client);
  Child etcd(member_r1(etcd_binary(), data, client_url, peer_url), dir.path + "/etcd.log");
  const std::string restored = "127.0.0.1:" + std::to_string(client);
  REQUIRE(wait_until([&] { return etcdctl(restored, {"get", "foo"}).exit_code == 0; }, std::chrono::seconds(20),
                     std::chrono::milliseconds(200)));
  // Every key with its revisions, versions, lease and value, as acord has them.
  const auto want = etcdctl(ep, {"get", "", "--from-key", "-w", "json"});
  const auto got = etcdctl(restored, {"get", "", "--from-key", "-w", "json"});
  REQUIRE(got.exit_code == 0);
  CHECK(without_headers(got.out) == without_headers(want.out));
  CHECK(got.out.find("\"revision\":" + std::to_string(now.header().revision())) != std::string::npos);
  // The compaction point and the lease came along.
  const auto old = etcdctl(restored, {"get", "foo", "--rev", "2"});
  CHECK(old.exit_code != 0);
  CHECK(old.err.find("required revision has been compacted") != std::string::npos);
  CHECK(etcdctl(restored, {"lease", "list"}).out.find(lease) != std::string::npos);
  etcd.signal(SIGTERM);
  CHECK(etcd.wait(std::chrono::seconds(20)) >= 0);
}

TEST_CASE("etcd to acord: acord starts from an etcd snapshot restored by etcdctl and serves the same data",
          "[snapshot][etcd]") {
  Server etcd(etcd_options());
  const std::string ep = etcd.endpoint();
  const std::string lease = write_history(ep);
  for (int i = 0; i < 2000; ++i) REQUIRE(put(etcd.kv(), "key" + std::to_string(i), std::string(200, 'k')).ok());

  TempDir dir;
  const std::string file = dir.path + "/etcd.db";
  REQUIRE(etcdctl(ep, {"snapshot", "save", file}).exit_code == 0);
  const int peer = free_port();
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
  const std::string data = dir.path + "/restored";
  REQUIRE(etcdctl(ep, {"snapshot", "restore", file, "--name", "r1", "--initial-cluster", "r1=" + peer_url,
                       "--initial-advertise-peer-urls", peer_url, "--data-dir", data})
              .exit_code == 0);

  const int client = free_port();
  const std::string client_url = "http://127.0.0.1:" + std::to_string(client);
  Child acord(member_r1(acord_binary(), data, client_url, peer_url), dir.path + "/acord.log");
  const std::string restored = "127.0.0.1:" + std::to_string(client);
  REQUIRE(wait_until([&] { return etcdctl(restored, {"get", "foo"}).exit_code == 0; }, std::chrono::seconds(20),
                     std::chrono::milliseconds(200)));
  const auto want = etcdctl(ep, {"get", "", "--from-key", "-w", "json"});
  const auto got = etcdctl(restored, {"get", "", "--from-key", "-w", "json"});
  CHECK(without_headers(got.out) == without_headers(want.out));
  // The same data hashes the same on both (HashKV), the compaction point and
  // the lease came along, and new writes continue from etcd's revision.
  auto hash = [](const std::string& out) { return out.substr(out.find(',') + 1); };
  CHECK(hash(etcdctl(restored, {"endpoint", "hashkv"}).out) == hash(etcdctl(ep, {"endpoint", "hashkv"}).out));
  CHECK(etcdctl(restored, {"get", "foo", "--rev", "2"}).err.find("required revision has been compacted") !=
        std::string::npos);
  CHECK(etcdctl(restored, {"lease", "list"}).out.find(lease) != std::string::npos);
  RangeResponse last;
  RangeRequest q;
  q.set_key("foo");
  REQUIRE(etcd.kv().Range(ctx().get(), q, &last).ok());
  const auto next = etcdctl(restored, {"put", "after", "1", "-w", "json"});
  CHECK(next.out.find("\"revision\":" + std::to_string(last.header().revision() + 1)) != std::string::npos);
  // Restarted, it keeps its own data and does not import again.
  acord.signal(SIGTERM);
  REQUIRE(acord.wait(std::chrono::seconds(20)) == 0);
  Child again(member_r1(acord_binary(), data, client_url, peer_url), dir.path + "/acord2.log");
  REQUIRE(wait_until([&] { return etcdctl(restored, {"get", "after"}).out.find("1") != std::string::npos; },
                     std::chrono::seconds(20), std::chrono::milliseconds(200)));
  CHECK(read_file(dir.path + "/acord2.log").find("starting from the etcd snapshot") == std::string::npos);
  again.signal(SIGTERM);
  CHECK(again.wait(std::chrono::seconds(20)) == 0);
}

TEST_CASE("a live etcd member's data directory is refused, with the way to migrate", "[snapshot][etcd]") {
  Server etcd(etcd_options());
  for (int i = 0; i < 20; ++i) REQUIRE(put(etcd.kv(), "k" + std::to_string(i), "v").ok());
  etcd.stop();  // etcd leaves on SIGTERM by the signal (143)
  REQUIRE_FALSE(etcd.running());
  const std::string data = etcd.data_dir();
  const int peer = free_port(), client = free_port();
  const auto r = run_command({acord_binary(), "--data-dir", data, "--listen-client-urls",
                              "http://127.0.0.1:" + std::to_string(client), "--advertise-client-urls",
                              "http://127.0.0.1:" + std::to_string(client), "--listen-peer-urls",
                              "http://127.0.0.1:" + std::to_string(peer)},
                             "", std::chrono::seconds(20));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("live etcd member") != std::string::npos);
  CHECK(r.err.find("etcdctl snapshot restore") != std::string::npos);
}
