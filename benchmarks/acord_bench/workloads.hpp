#pragma once
// The workloads of acord-bench; each runs against any etcd v3 endpoint and
// returns what it measured.
#include "load.hpp"

namespace acord::bench {

struct RangeOptions {
  long keys_per_range = 1;
  bool serializable = false;  // false: linearizable (etcd's default)
  bool prefill = true;        // put every key of the key space first
};

struct WatchOptions {
  long watchers = 1000;
  int streams = 10;
  long watched_keys = 10;  // watcher w watches key w % watched_keys
};

struct LeaseOptions {
  long leases = 1000;
  long ttl_s = 60;
};

Summary run_put(const Common& c);
Summary run_range(const Common& c, const RangeOptions& r);
Summary run_txn_put(const Common& c, int ops_per_txn);
// Watchers first; then c.total puts (c.clients writers) to the watched keys;
// measures every event's put->event latency and the events delivered per second.
Summary run_watch(const Common& c, const WatchOptions& w);
// Leases granted first; then c.clients keep-alive streams, each renewing its
// share of the leases one request at a time.
Summary run_lease_keepalive(const Common& c, const LeaseOptions& l);

}  // namespace acord::bench
