// acord-bench, the benchmarks' load generator, against a real acord: every
// workload runs to the end, reports what it did in its JSON line, and finds
// no errors. (Its figures are for benchmarks/vs-etcd.sh, never checked here.)
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "process.hpp"
#include "server.hpp"

using namespace acord::test;

namespace {

// A number field of acord-bench's one-line JSON report; -1 if missing.
double field(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":([-0-9.e+]+)"))) return -1;
  return std::stod(m[1]);
}

}  // namespace

TEST_CASE("acord-bench runs each workload against acord and reports it without errors", "[bench]") {
  Server server;
  const std::vector<std::string> common = {ACORD_BENCH_BINARY, "--endpoints", server.endpoint(), "--conns", "2",
                                           "--clients", "8", "--json", "--no-progress"};
  struct Case {
    std::vector<std::string> args;
    std::string workload;
    double ops;
  };
  const std::vector<Case> cases = {
      {{"--total", "300", "--key-space-size", "50", "--val-size", "64", "put"}, "put", 300},
      {{"--total", "300", "--key-space-size", "50", "range", "--keys-per-range", "5"}, "range", 300},
      {{"--total", "100", "--key-space-size", "50", "txn-put", "--txn-ops", "4"}, "txn-put", 100},
      // 50 puts to 5 keys, each watched by 4 of 20 watchers: 200 events.
      {{"--total", "50", "watch", "--watchers", "20", "--streams", "3", "--watched-keys", "5"}, "watch", 200},
      {{"--total", "400", "lease-keepalive", "--leases", "20", "--ttl", "30"}, "lease-keepalive", 400},
  };
  for (const auto& c : cases) {
    INFO(c.workload);
    auto argv = common;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = run_command(argv, "", std::chrono::seconds(60));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"workload\":\"" + c.workload + "\"") != std::string::npos);
    CHECK(field(r.out, "ops") == c.ops);
    CHECK(field(r.out, "errors") == 0);
    CHECK(field(r.out, "p50_ms") > 0);
    CHECK(field(r.out, "p999_ms") >= field(r.out, "p50_ms"));
    CHECK(field(r.out, "client_cpu_s") > 0);  // the load's own cost is reported
  }
  // Asked to reach nothing, it says so and fails.
  const auto bad = run_command({ACORD_BENCH_BINARY, "--endpoints", server.endpoint(), "--no-progress", "--total", "0",
                                "put"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--total") != std::string::npos);
}

TEST_CASE("acord-bench's random values are incompressible and differ from key to key", "[bench]") {
  Server server;
  const auto r = run_command({ACORD_BENCH_BINARY, "--endpoints", server.endpoint(), "--clients", "4", "--json",
                              "--no-progress", "--total", "40", "--key-space-size", "40", "--sequential-keys",
                              "--random-values", "--key-size", "4", "--val-size", "256", "put"},
                             "", std::chrono::seconds(60));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto got = etcdctl(server.endpoint(), {"get", "", "--prefix", "--print-value-only"});
  REQUIRE(got.exit_code == 0);
  std::set<std::string> values;
  std::size_t lines = 0, distinct_bytes = 0;
  std::istringstream in(got.out);
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 200) continue;  // values may hold newlines: count only whole 256-byte lines' worth
    ++lines;
    values.insert(line);
    distinct_bytes = std::max(distinct_bytes, std::set<char>(line.begin(), line.end()).size());
  }
  CHECK(lines >= 10);
  CHECK(values.size() == lines);  // no two the same
  CHECK(distinct_bytes > 100);    // not one repeated byte
}
