// watch: W watchers over S streams on K keys, then puts to those keys; each
// put's value starts with its send time, so every event's latency is known.
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "workloads.hpp"

namespace acord::bench {
namespace {

using etcdserverpb::Watch;
using etcdserverpb::WatchRequest;
using etcdserverpb::WatchResponse;

constexpr int stamp_digits = 19;  // nanoseconds since the clock's epoch, zero-padded
// After the last put, how long the events may keep coming before the run ends.
constexpr auto drain_quiet = std::chrono::seconds(2);
constexpr auto drain_max = std::chrono::seconds(30);

std::string watched_key(long k, int key_size) { return "w" + key_of(k, key_size); }

struct Stream {
  std::unique_ptr<Watch::Stub> stub;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriter<WatchRequest, WatchResponse>> rw;
  std::thread reader;
};

}  // namespace

Summary run_watch(const Common& c, const WatchOptions& w) {
  const auto channels = connect(c);
  Recorder events("watch", c.progress);
  std::atomic<long> created{0}, received{0};
  std::atomic<std::int64_t> last_event_ns{0};

  std::vector<std::unique_ptr<Stream>> streams;
  const auto create0 = Clock::now();
  for (int s = 0; s < w.streams; ++s) {
    auto st = std::make_unique<Stream>();
    st->stub = Watch::NewStub(channels[static_cast<std::size_t>(s) % channels.size()]);
    st->rw = st->stub->Watch(&st->ctx);
    Samples* samples = events.worker();
    auto* raw = st.get();
    st->reader = std::thread([raw, samples, &created, &received, &last_event_ns] {
      WatchResponse r;
      while (raw->rw->Read(&r)) {
        if (r.created()) ++created;
        const auto now = now_ns();
        for (const auto& e : r.events()) {
          samples->add(now - std::stoll(e.kv().value().substr(0, stamp_digits)));
        }
        if (r.events_size() > 0) {
          received += r.events_size();
          last_event_ns = now;
        }
      }
    });
    for (long i = s; i < w.watchers; i += w.streams) {
      WatchRequest q;
      q.mutable_create_request()->set_key(watched_key(i % w.watched_keys, c.key_size));
      st->rw->Write(q);
    }
    streams.push_back(std::move(st));
  }
  const auto create_deadline = Clock::now() + std::chrono::seconds(60);
  while (created < w.watchers && Clock::now() < create_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double create_s = std::chrono::duration<double>(Clock::now() - create0).count();

  // How many watchers each key has: the events a put to it should bring.
  std::vector<long> fanout(static_cast<std::size_t>(w.watched_keys), 0);
  for (long i = 0; i < w.watchers; ++i) ++fanout[static_cast<std::size_t>(i % w.watched_keys)];
  std::atomic<long> expected{0};

  const auto stubs = stubs_of<etcdserverpb::KV>(channels);
  std::vector<etcdserverpb::PutRequest> requests(static_cast<std::size_t>(c.clients));
  std::vector<etcdserverpb::PutResponse> responses(static_cast<std::size_t>(c.clients));
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < c.clients; ++i) rngs.emplace_back(static_cast<std::uint64_t>(i) + 17);
  const std::string pad(static_cast<std::size_t>(std::max(0, c.val_size - stamp_digits)), 'x');

  Common writers = c;
  writers.progress = false;
  events.start();
  const std::int64_t start_ns = now_ns();
  const Summary puts =
      run_closed_loop(writers, "watch-put", [&](int client, long, grpc::ClientContext* ctx, auto done) {
        const auto k = static_cast<long>(rngs[static_cast<std::size_t>(client)]() %
                                         static_cast<std::uint64_t>(w.watched_keys));
        expected += fanout[static_cast<std::size_t>(k)];
        auto& q = requests[static_cast<std::size_t>(client)];
        q.set_key(watched_key(k, c.key_size));
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "%0*lld", stamp_digits, static_cast<long long>(now_ns()));
        q.set_value(std::string(stamp) + pad);
        stubs[static_cast<std::size_t>(client) % stubs.size()]->async()->Put(
            ctx, &q, &responses[static_cast<std::size_t>(client)], std::move(done));
      });
  // The events still on their way: until all expected came, or none for a while.
  const auto drain_deadline = Clock::now() + drain_max;
  auto quiet_since = Clock::now();
  long seen = received;
  while (received < expected && Clock::now() < drain_deadline && Clock::now() - quiet_since < drain_quiet) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (received != seen) {
      seen = received;
      quiet_since = Clock::now();
    }
  }
  Summary s = events.stop();
  for (auto& st : streams) st->ctx.TryCancel();
  for (auto& st : streams) st->reader.join();

  // Events per second over the time they took to arrive: from the first put
  // to the last event.
  const double events_s = static_cast<double>(last_event_ns - start_ns) / 1e9;
  s.ops_per_s = events_s > 0 ? static_cast<double>(s.ops) / events_s : 0;
  s.seconds = events_s;
  s.errors += puts.errors + static_cast<std::size_t>(std::max(0L, expected.load() - received.load()));
  if (s.first_error.empty()) s.first_error = puts.first_error;
  if (received < expected) {
    s.first_error += (s.first_error.empty() ? "" : "; ") + std::to_string(expected - received) + " events missing";
  }
  s.extra["watchers"] = static_cast<double>(w.watchers);
  s.extra["watchers_created"] = static_cast<double>(created.load());
  s.extra["create_s"] = create_s;
  s.extra["puts"] = static_cast<double>(puts.ops);
  s.extra["put_ops_per_s"] = puts.ops_per_s;
  s.extra["events_expected"] = static_cast<double>(expected.load());
  s.extra["events_per_s"] = s.ops_per_s;
  return s;
}

}  // namespace acord::bench
