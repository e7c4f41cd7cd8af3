// etcd is the oracle: the same etcdctl commands, run against a fresh etcd and a
// fresh acord started with the same flags, must print the same thing — same
// revisions, same header fields, same errors and exit codes. Differences that
// are not behaviour (ports, timings, the on-disk size of the database) are
// normalized away below; nothing else is.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "oracle.hpp"
#include "test_cluster.hpp"

using namespace acord::test;

TEST_CASE("etcdctl prints the same against acord as against etcd", "[oracle][etcdctl]") {
  REQUIRE(std::ifstream(etcd_binary()).good());
  Pair servers;
  for (const auto& line : load_script(ETCDCTL_SCRIPT)) {
    INFO("etcdctl " << line.text);
    expect_same(servers.etcd, servers.acord, line.args, line.input);
  }
}

TEST_CASE("etcdctl limits: oversize values and oversize txns fail as against etcd", "[oracle][etcdctl][limits]") {
  Pair servers;
  std::string many_ops;
  for (int i = 0; i < 129; ++i) many_ops += "put k" + std::to_string(i) + " v\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"put", "big"}, std::string(1572864 + 100, 'x')},     // past --max-request-bytes
      {{"put", "bigger"}, std::string(3 * 1024 * 1024, 'x')},  // past gRPC's limits
      {{"txn"}, "\n" + many_ops + "\n\n"},                      // 129 ops in one branch
      {{"get", "big"}, ""},
  };
  for (const auto& [args, input] : cases) {
    INFO("etcdctl " << args[0] << " with " << input.size() << " bytes on stdin");
    expect_same(servers.etcd, servers.acord, args, input);
  }
}

namespace {

// Cluster-wide views, on a 3-member cluster. Election timing decides who leads
// and the raft term and index; those fields are masked, the rest must match.
std::string normalize_cluster(std::string s, const TestCluster& c) {
  for (const auto& m : c.members) s = std::regex_replace(s, std::regex(m->endpoint()), "ENDPOINT");
  s = std::regex_replace(s, std::regex("took = [0-9.]+[a-zµ]+"), "took = T");
  s = std::regex_replace(s, std::regex("\"(dbSize|dbSizeInUse|leader|raftIndex|raftTerm|raftAppliedIndex|raft_term)\":[0-9]+"),
                         "\"$1\":N");
  // endpoint health --cluster checks members concurrently: compare as a set.
  std::stringstream in(s);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("{\"level\":", 0) != 0) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::pair<std::vector<std::string>, CommandResult>> cluster_views(const TestCluster& c) {
  const std::vector<std::vector<std::string>> commands = {
      {"put", "k", "v"},
      {"member", "list"},
      {"member", "list", "-w", "json"},
      {"endpoint", "health", "--cluster"},
      {"endpoint", "status", "--cluster", "-w", "json"},
      {"get", "k", "-w", "json"},
  };
  std::vector<std::pair<std::vector<std::string>, CommandResult>> out;
  for (const auto& cmd : commands) out.emplace_back(cmd, etcdctl(c.members[0]->endpoint(), cmd));
  return out;
}

}  // namespace

TEST_CASE("etcdctl's cluster views match etcd's for a three-member cluster", "[oracle][etcdctl][cluster]") {
  REQUIRE(std::ifstream(etcd_binary()).good());
  std::vector<std::pair<std::vector<std::string>, CommandResult>> want, got;
  std::vector<int> clients, peers;
  std::string etcd_views, acord_views;
  {
    // etcd first; acord then on the same ports, so the member ids are the same.
    TestCluster etcd(3, {}, etcd_binary());
    REQUIRE(etcd.wait_leader() >= 0);
    clients = etcd.client_ports;
    peers = etcd.peer_ports;
    want = cluster_views(etcd);
    for (auto& [cmd, r] : want) {
      r.out = normalize_cluster(r.out, etcd);
      r.err = normalize_cluster(r.err, etcd);
    }
  }
  TestCluster acord(3, {}, acord_binary(), clients, peers);
  REQUIRE(acord.wait_leader() >= 0);
  got = cluster_views(acord);
  for (auto& [cmd, r] : got) {
    r.out = normalize_cluster(r.out, acord);
    r.err = normalize_cluster(r.err, acord);
  }
  REQUIRE(want.size() == got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    std::string text;
    for (const auto& w : want[i].first) text += w + " ";
    INFO("etcdctl " << text);
    CHECK(got[i].second.exit_code == want[i].second.exit_code);
    CHECK(got[i].second.out == want[i].second.out);
    CHECK(got[i].second.err == want[i].second.err);
  }
}
