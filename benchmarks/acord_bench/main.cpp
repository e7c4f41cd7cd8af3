// acord-bench: a load generator over etcd's v3 gRPC API, with workloads like
// etcd's own benchmark tool. The same binary drives acord and etcd, so the
// figures of the two compare (benchmarks/vs-etcd.sh).
//
//   acord-bench [--endpoints a,b] [--conns N] [--clients N] [--total N | --duration S] [--json] WORKLOAD [flags]
//   workloads: put, range, txn-put, watch, lease-keepalive
#include <CLI/CLI.hpp>
#include <absl/synchronization/mutex.h>

#include <cstdio>

#include "workloads.hpp"

using namespace acord::bench;

int main(int argc, char** argv) {
  // As in the server (server/main.cpp): Debian's abseil tracks lock order on
  // every mutex acquisition; a load generator has no use for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"acord-bench: load for any etcd v3 endpoint (acord or etcd)"};
  app.require_subcommand(1);
  app.fallthrough();  // the shared flags may come after the workload too
  Common c;
  app.add_option("--endpoints", c.endpoints, "host:port of each member (connections are spread over them)")
      ->delimiter(',');
  app.add_option("--conns", c.conns, "gRPC connections")->check(CLI::Range(1, 10000));
  app.add_option("--clients", c.clients, "concurrent clients (each one request at a time)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--total", c.total, "requests in all (0: run for --duration)")->check(CLI::NonNegativeNumber);
  app.add_option("--duration", c.duration_s, "seconds to run (with --total 0, or as a cap)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--key-size", c.key_size, "bytes per key")->check(CLI::Range(2, 1 << 20));
  app.add_option("--val-size", c.val_size, "bytes per value")->check(CLI::Range(0, 64 << 20));
  app.add_option("--key-space-size", c.key_space, "distinct keys")->check(CLI::Range(1L, 1L << 40));
  app.add_flag("--sequential-keys", c.sequential_keys, "walk the key space in order instead of at random");
  app.add_flag("--random-values", c.random_values,
               "put incompressible values (a different slice of random bytes each) instead of one repeated byte");
  app.add_flag("--json", c.json, "print one JSON object instead of text");
  bool no_progress = false;
  app.add_flag("--no-progress", no_progress, "no progress line on stderr");

  auto* put = app.add_subcommand("put", "put key-size/val-size keys from the key space");

  RangeOptions range;
  bool no_prefill = false;
  std::string consistency = "l";
  auto* rng = app.add_subcommand("range", "range requests over a prefilled key space");
  rng->add_option("--keys-per-range", range.keys_per_range, "keys each range returns")->check(CLI::Range(1L, 1L << 30));
  rng->add_option("--consistency", consistency, "l (linearizable) or s (serializable)")
      ->check(CLI::IsMember({"l", "s"}));
  rng->add_flag("--no-prefill", no_prefill, "do not put the key space first");

  int txn_ops = 1;
  auto* txn = app.add_subcommand("txn-put", "txns of --txn-ops puts");
  txn->add_option("--txn-ops", txn_ops, "puts per txn")->check(CLI::Range(1, 100000));

  WatchOptions watch;
  auto* wat = app.add_subcommand("watch", "W watchers, then puts to the watched keys (put->event latency)");
  wat->add_option("--watchers", watch.watchers, "watchers in all")->check(CLI::Range(1L, 10000000L));
  wat->add_option("--streams", watch.streams, "watch streams they share")->check(CLI::Range(1, 100000));
  wat->add_option("--watched-keys", watch.watched_keys, "distinct keys watched (each put goes to one)")
      ->check(CLI::Range(1L, 10000000L));

  LeaseOptions lease;
  auto* lka = app.add_subcommand("lease-keepalive", "N leases, renewed over one keep-alive stream per client");
  lka->add_option("--leases", lease.leases, "leases granted first")->check(CLI::Range(1L, 10000000L));
  lka->add_option("--ttl", lease.ttl_s, "their time-to-live, seconds")->check(CLI::Range(1L, 1000000L));

  CLI11_PARSE(app, argc, argv);
  c.progress = !no_progress;
  if (c.total == 0 && c.duration_s <= 0) {
    std::fprintf(stderr, "acord-bench: give --total N or --duration S\n");
    return 2;
  }
  if (c.endpoints.empty()) {
    std::fprintf(stderr, "acord-bench: --endpoints is empty\n");
    return 2;
  }

  Summary s;
  if (put->parsed()) {
    s = run_put(c);
  } else if (rng->parsed()) {
    range.serializable = consistency == "s";
    range.prefill = !no_prefill;
    s = run_range(c, range);
  } else if (txn->parsed()) {
    if (txn_ops > c.key_space) {
      std::fprintf(stderr, "acord-bench: --txn-ops %d needs a key space of at least as many keys\n", txn_ops);
      return 2;
    }
    s = run_txn_put(c, txn_ops);
  } else if (wat->parsed()) {
    s = run_watch(c, watch);
  } else if (lka->parsed()) {
    s = run_lease_keepalive(c, lease);
  }
  print_summary(s, c.json);
  return s.errors > 0 ? 1 : 0;
}
