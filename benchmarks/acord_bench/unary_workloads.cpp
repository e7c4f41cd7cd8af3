// put, range and txn-put: unary KV requests in a closed loop.
#include <algorithm>
#include <random>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "workloads.hpp"

namespace acord::bench {
namespace {

using etcdserverpb::KV;

// Which key a client's request uses: sequential keys walk the key space in
// turn across all clients, random ones draw from it (seeded per client, so a
// run repeats).
class KeyChooser {
 public:
  KeyChooser(const Common& c) : c_(c) {
    for (int i = 0; i < c.clients; ++i) rngs_.emplace_back(static_cast<std::uint64_t>(i) * 7919 + 1);
  }
  long pick(int client, long seq) {
    if (c_.sequential_keys) return (seq * c_.clients + client) % c_.key_space;
    return static_cast<long>(rngs_[static_cast<std::size_t>(client)]() % static_cast<std::uint64_t>(c_.key_space));
  }

 private:
  const Common& c_;
  std::vector<std::mt19937_64> rngs_;
};

template <typename Request, typename Response>
struct PerClient {
  std::vector<Request> requests;
  std::vector<Response> responses;
  explicit PerClient(int n) : requests(static_cast<std::size_t>(n)), responses(static_cast<std::size_t>(n)) {}
};

auto kv_stubs(const Common& c) { return stubs_of<KV>(connect(c)); }

// Random bytes to cut values from: a value of this workload is a slice at an
// offset of its own, so no two values (nor blocks of them) compress together.
std::string random_pool(std::size_t value_size) {
  std::mt19937_64 rng(20261201);
  std::string pool(std::max<std::size_t>(std::size_t{4} << 20, 4 * value_size), '\0');
  for (auto& ch : pool) ch = static_cast<char>(rng());
  return pool;
}

}  // namespace

Summary run_put(const Common& c) {
  auto stubs = kv_stubs(c);
  KeyChooser keys(c);
  PerClient<etcdserverpb::PutRequest, etcdserverpb::PutResponse> io(c.clients);
  const auto size = static_cast<std::size_t>(c.val_size);
  const std::string value(size, 'v');
  const std::string pool = c.random_values ? random_pool(size) : std::string();
  return run_closed_loop(c, "put", [&](int client, long seq, grpc::ClientContext* ctx, auto done) {
    auto& q = io.requests[static_cast<std::size_t>(client)];
    q.set_key(key_of(keys.pick(client, seq), c.key_size));
    if (c.random_values) {
      const auto n = static_cast<std::uint64_t>(seq) * static_cast<std::uint64_t>(c.clients) +
                     static_cast<std::uint64_t>(client);
      const auto offset = (n * 0x9E3779B97F4A7C15ull >> 20) % (pool.size() - size + 1);
      q.set_value(pool.substr(offset, size));
    } else {
      q.set_value(value);
    }
    auto& stub = stubs[static_cast<std::size_t>(client) % stubs.size()];
    stub->async()->Put(ctx, &q, &io.responses[static_cast<std::size_t>(client)], std::move(done));
  });
}

Summary run_range(const Common& c, const RangeOptions& r) {
  auto stubs = kv_stubs(c);
  if (r.prefill) {
    // Every key of the space once, sequentially, before the clock starts.
    Common fill = c;
    fill.total = c.key_space;
    fill.duration_s = 0;
    fill.sequential_keys = true;
    fill.progress = false;
    const Summary f = run_put(fill);
    if (f.errors > 0) return f;
  }
  KeyChooser keys(c);
  PerClient<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse> io(c.clients);
  Summary s = run_closed_loop(c, "range", [&](int client, long seq, grpc::ClientContext* ctx, auto done) {
    auto& q = io.requests[static_cast<std::size_t>(client)];
    const long first = keys.pick(client, seq);
    q.set_key(key_of(first, c.key_size));
    if (r.keys_per_range > 1) q.set_range_end(key_of(first + r.keys_per_range, c.key_size));
    q.set_serializable(r.serializable);
    auto& stub = stubs[static_cast<std::size_t>(client) % stubs.size()];
    stub->async()->Range(ctx, &q, &io.responses[static_cast<std::size_t>(client)], std::move(done));
  });
  s.extra["keys_per_range"] = static_cast<double>(r.keys_per_range);
  return s;
}

Summary run_txn_put(const Common& c, int ops_per_txn) {
  auto stubs = kv_stubs(c);
  KeyChooser keys(c);
  PerClient<etcdserverpb::TxnRequest, etcdserverpb::TxnResponse> io(c.clients);
  const std::string value(static_cast<std::size_t>(c.val_size), 'v');
  Summary s = run_closed_loop(c, "txn-put", [&](int client, long seq, grpc::ClientContext* ctx, auto done) {
    auto& q = io.requests[static_cast<std::size_t>(client)];
    q.Clear();
    // A txn may not put one key twice: consecutive keys from a random start.
    const long first = keys.pick(client, seq);
    for (int i = 0; i < ops_per_txn; ++i) {
      auto* put = q.add_success()->mutable_request_put();
      put->set_key(key_of((first + i) % c.key_space, c.key_size));
      put->set_value(value);
    }
    auto& stub = stubs[static_cast<std::size_t>(client) % stubs.size()];
    stub->async()->Txn(ctx, &q, &io.responses[static_cast<std::size_t>(client)], std::move(done));
  });
  s.extra["ops_per_txn"] = ops_per_txn;
  return s;
}

}  // namespace acord::bench
