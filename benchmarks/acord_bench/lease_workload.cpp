// lease-keepalive: N leases granted, then one keep-alive stream per client,
// each renewing its share of the leases one request at a time (as etcd's
// benchmark tool does).
#include <atomic>
#include <thread>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "workloads.hpp"

namespace acord::bench {

Summary run_lease_keepalive(const Common& c, const LeaseOptions& l) {
  const auto channels = connect(c);
  const auto stubs = stubs_of<etcdserverpb::Lease>(channels);

  // Grants, before the clock starts.
  std::vector<std::int64_t> ids(static_cast<std::size_t>(l.leases), 0);
  std::vector<etcdserverpb::LeaseGrantRequest> grant(static_cast<std::size_t>(c.clients));
  std::vector<etcdserverpb::LeaseGrantResponse> granted(static_cast<std::size_t>(c.clients));
  std::atomic<long> next_id{0};
  Common granting = c;
  granting.total = l.leases;
  granting.duration_s = 0;
  granting.progress = false;
  const Summary grants =
      run_closed_loop(granting, "lease-grant", [&](int client, long, grpc::ClientContext* ctx, auto done) {
        auto& q = grant[static_cast<std::size_t>(client)];
        q.set_ttl(l.ttl_s);
        auto* out = &granted[static_cast<std::size_t>(client)];
        stubs[static_cast<std::size_t>(client) % stubs.size()]->async()->LeaseGrant(
            ctx, &q, out, [&ids, &next_id, out, done = std::move(done)](const grpc::Status& st) {
              if (st.ok()) ids[static_cast<std::size_t>(next_id++)] = out->id();
              done(st);
            });
      });
  if (grants.errors > 0) {
    Summary s = grants;
    s.workload = "lease-keepalive";
    return s;
  }

  Recorder recorder("lease-keepalive", c.progress);
  std::atomic<long> expired{0};
  std::vector<std::thread> streams;
  std::vector<Samples*> samples;
  for (int i = 0; i < c.clients; ++i) samples.push_back(recorder.worker());
  recorder.start();
  RequestBudget budget(c);
  for (int i = 0; i < c.clients; ++i) {
    streams.emplace_back([&, i] {
      grpc::ClientContext ctx;
      auto rw = stubs[static_cast<std::size_t>(i) % stubs.size()]->LeaseKeepAlive(&ctx);
      Samples* mine = samples[static_cast<std::size_t>(i)];
      etcdserverpb::LeaseKeepAliveResponse r;
      for (long k = i % l.leases; budget.take(); k = (k + c.clients) % l.leases) {
        etcdserverpb::LeaseKeepAliveRequest q;
        q.set_id(ids[static_cast<std::size_t>(k)]);
        const auto t0 = now_ns();
        if (!rw->Write(q) || !rw->Read(&r)) {
          mine->error();
          recorder.note_error("keep-alive stream ended");
          break;
        }
        mine->add(now_ns() - t0);
        if (r.ttl() <= 0) ++expired;
      }
      rw->WritesDone();
      ctx.TryCancel();
      rw->Finish();
    });
  }
  for (auto& t : streams) t.join();
  Summary s = recorder.stop();
  s.errors += static_cast<std::size_t>(expired.load());
  if (expired > 0) s.first_error += std::to_string(expired.load()) + " keep-alives found their lease gone";
  s.extra["leases"] = static_cast<double>(l.leases);
  s.extra["grants_per_s"] = grants.ops_per_s;
  return s;
}

}  // namespace acord::bench
