// Many leases on one server: N leases granted by C concurrent clients, then
// kept alive over S keep-alive streams for a while (each stream renews its
// leases in rounds, as fast as the server answers). Reports grant rate, the
// server's memory per lease (with --server-pid), keep-alives per second and
// their latency. The same binary drives acord and etcd.
//
//   lease_bench --endpoint 127.0.0.1:2379 --leases 10000 --clients 16 --streams 10 --seconds 10
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bench_util.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

using namespace acord::bench;
using namespace etcdserverpb;

int main(int argc, char** argv) {
  Args a(argc, argv,
         {{"endpoint", "127.0.0.1:2379"}, {"leases", "10000"}, {"clients", "16"}, {"streams", "10"},
          {"seconds", "10"}, {"ttl", "60"}, {"server-pid", "0"}, {"connections", "8"}},
         "lease_bench");
  const long n = a.num("leases"), clients = a.num("clients"), streams = a.num("streams");
  const long pid = a.num("server-pid");
  const auto channels = connect(a.str("endpoint"), a.num("connections"));
  const long rss_before = rss_kb(pid);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  std::atomic<long> next{0}, failed{0};
  const auto g0 = Clock::now();
  std::vector<std::thread> granters;
  for (long c = 0; c < clients; ++c) {
    granters.emplace_back([&, c] {
      auto lease = Lease::NewStub(channels[static_cast<std::size_t>(c) % channels.size()]);
      for (long i; (i = next.fetch_add(1)) < n;) {
        LeaseGrantRequest q;
        q.set_ttl(a.num("ttl"));
        LeaseGrantResponse out;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (lease->LeaseGrant(&ctx, q, &out).ok()) {
          ids[static_cast<std::size_t>(i)] = out.id();
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& t : granters) t.join();
  const double grant_s = std::chrono::duration<double>(Clock::now() - g0).count();
  const long rss_leases = rss_kb(pid);

  std::atomic<long> renewed{0}, lost{0};
  std::mutex mu;
  std::vector<std::int64_t> latencies;
  const auto end = Clock::now() + std::chrono::duration<double>(a.real("seconds"));
  const auto k0 = Clock::now();
  std::vector<std::thread> keepers;
  for (long s = 0; s < streams; ++s) {
    keepers.emplace_back([&, s] {
      auto lease = Lease::NewStub(channels[static_cast<std::size_t>(s) % channels.size()]);
      grpc::ClientContext ctx;
      auto rw = lease->LeaseKeepAlive(&ctx);
      std::vector<std::int64_t> mine;
      std::vector<std::int64_t> my_ids;
      for (long i = s; i < n; i += streams) my_ids.push_back(ids[static_cast<std::size_t>(i)]);
      std::unordered_map<std::int64_t, std::int64_t> sent_at;
      while (Clock::now() < end) {
        // One round: renew every lease of this stream, then collect the answers.
        for (auto id : my_ids) {
          LeaseKeepAliveRequest q;
          q.set_id(id);
          sent_at[id] = now_ns();
          if (!rw->Write(q)) break;
        }
        LeaseKeepAliveResponse r;
        for (std::size_t got = 0; got < my_ids.size() && rw->Read(&r); ++got) {
          mine.push_back(now_ns() - sent_at[r.id()]);
          if (r.ttl() > 0) ++renewed; else ++lost;
        }
      }
      rw->WritesDone();
      ctx.TryCancel();
      rw->Finish();
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : keepers) t.join();
  const double keep_s = std::chrono::duration<double>(Clock::now() - k0).count();
  std::printf(
      "leases=%ld grant_failed=%ld grants_per_s=%.0f rss_before_mb=%.1f rss_leases_mb=%.1f kb_per_lease=%.2f "
      "keepalives=%ld lost=%ld keepalives_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
      n, failed.load(), static_cast<double>(n) / grant_s, rss_before / 1024.0, rss_leases / 1024.0,
      pid > 0 ? static_cast<double>(rss_leases - rss_before) / static_cast<double>(n) : 0.0, renewed.load(),
      lost.load(), static_cast<double>(renewed.load()) / keep_s, percentile_ms(latencies, 0.5),
      percentile_ms(latencies, 0.99));
  return failed.load() == 0 && lost.load() == 0 ? 0 : 1;
}
