// Many watchers on one server: W watches spread over S streams, each on its
// own key; then writers put to random watched keys, each value carrying its
// send time, and every event's put->event latency is recorded. Reports the
// server's memory per watcher (with --server-pid) and latency percentiles.
// The same binary drives acord and etcd (benchmarks/lease_watch_compare.sh).
//
//   watch_bench --endpoint 127.0.0.1:2379 --watchers 10000 --streams 100 --puts 20000 --writers 8
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "bench_util.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

using namespace acord::bench;
using namespace etcdserverpb;

int main(int argc, char** argv) {
  Args a(argc, argv,
         {{"endpoint", "127.0.0.1:2379"}, {"watchers", "10000"}, {"streams", "100"}, {"puts", "20000"},
          {"writers", "8"}, {"value-bytes", "64"}, {"server-pid", "0"}, {"connections", "8"}},
         "watch_bench");
  const long watchers = a.num("watchers"), streams = a.num("streams"), puts = a.num("puts");
  const long pid = a.num("server-pid");
  const auto channels = connect(a.str("endpoint"), a.num("connections"));
  const long rss_before = rss_kb(pid);

  struct Stream {
    std::unique_ptr<Watch::Stub> stub;
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReaderWriter<WatchRequest, WatchResponse>> rw;
    std::thread reader;
  };
  std::vector<std::unique_ptr<Stream>> ss;
  std::atomic<long> created{0}, events{0};
  std::mutex mu;
  std::vector<std::int64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(puts));
  const auto t0 = Clock::now();
  for (long s = 0; s < streams; ++s) {
    auto st = std::make_unique<Stream>();
    st->stub = Watch::NewStub(channels[static_cast<std::size_t>(s) % channels.size()]);
    st->rw = st->stub->Watch(&st->ctx);
    auto* raw = st.get();
    st->reader = std::thread([raw, &created, &events, &mu, &latencies] {
      WatchResponse r;
      std::vector<std::int64_t> mine;
      while (raw->rw->Read(&r)) {
        if (r.created()) ++created;
        const auto now = now_ns();
        for (const auto& e : r.events()) {
          mine.push_back(now - std::stoll(e.kv().value().substr(0, 19)));
          ++events;
        }
        if (mine.size() >= 256) {
          std::lock_guard<std::mutex> lock(mu);
          latencies.insert(latencies.end(), mine.begin(), mine.end());
          mine.clear();
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
    for (long w = s; w < watchers; w += streams) {
      WatchRequest q;
      q.mutable_create_request()->set_key("wb/" + std::to_string(w));
      st->rw->Write(q);
    }
    ss.push_back(std::move(st));
  }
  while (created < watchers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_watching = rss_kb(pid);

  // Writers: closed loop, each put to a random watched key.
  std::atomic<long> next{0};
  const auto w0 = Clock::now();
  std::vector<std::thread> writers;
  for (long i = 0; i < a.num("writers"); ++i) {
    writers.emplace_back([&, i] {
      auto kv = KV::NewStub(channels[static_cast<std::size_t>(i) % channels.size()]);
      std::mt19937_64 rng(static_cast<std::uint64_t>(i));
      const std::string pad(static_cast<std::size_t>(std::max<long>(0, a.num("value-bytes") - 19)), 'x');
      while (next.fetch_add(1) < puts) {
        PutRequest p;
        p.set_key("wb/" + std::to_string(rng() % static_cast<std::uint64_t>(watchers)));
        char ts[32];
        std::snprintf(ts, sizeof ts, "%019lld", static_cast<long long>(now_ns()));
        p.set_value(std::string(ts) + pad);
        PutResponse out;
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        kv->Put(&c, p, &out);
      }
    });
  }
  for (auto& t : writers) t.join();
  const double put_s = std::chrono::duration<double>(Clock::now() - w0).count();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (events < puts && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (auto& st : ss) st->ctx.TryCancel();
  for (auto& st : ss) st->reader.join();
  std::printf(
      "watchers=%ld streams=%ld create_s=%.2f rss_before_mb=%.1f rss_watching_mb=%.1f kb_per_watcher=%.2f "
      "puts=%ld events=%ld put_ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
      watchers, streams, create_s, rss_before / 1024.0, rss_watching / 1024.0,
      pid > 0 ? static_cast<double>(rss_watching - rss_before) / static_cast<double>(watchers) : 0.0, puts,
      events.load(), static_cast<double>(puts) / put_s, percentile_ms(latencies, 0.5),
      percentile_ms(latencies, 0.99));
  return events.load() >= puts ? 0 : 1;
}
