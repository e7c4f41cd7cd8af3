// A closed-loop load generator over etcd's v3 gRPC API: C clients, each issuing
// one request at a time for a fixed duration, against any etcd-compatible
// endpoint. The same binary drives acord and etcd, so their figures compare.
//
//   put_bench --endpoint 127.0.0.1:2379 --clients 16 --seconds 10 --value-bytes 256 --op put|get
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "etcdserverpb/rpc.grpc.pb.h"

namespace {

struct Options {
  std::string endpoint = "127.0.0.1:2379";
  int clients = 16;
  int connections = 4;
  double seconds = 10;
  int value_bytes = 256;
  int keys = 10000;
  std::string op = "put";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--endpoint") o.endpoint = v;
    else if (k == "--clients") o.clients = std::stoi(v);
    else if (k == "--connections") o.connections = std::stoi(v);
    else if (k == "--seconds") o.seconds = std::stod(v);
    else if (k == "--value-bytes") o.value_bytes = std::stoi(v);
    else if (k == "--keys") o.keys = std::stoi(v);
    else if (k == "--op") o.op = v;
    else {
      std::fprintf(stderr, "put_bench: unknown flag %s\n", k.c_str());
      std::exit(1);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < o.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("acord.bench.channel", i);  // distinct args: distinct connections
    channels.push_back(grpc::CreateCustomChannel(o.endpoint, grpc::InsecureChannelCredentials(), args));
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(o.clients);
  std::vector<std::thread> threads;
  const std::string value(o.value_bytes, 'v');
  const auto started = std::chrono::steady_clock::now();
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = etcdserverpb::KV::NewStub(channels[c % channels.size()]);
      for (long i = 0; std::chrono::steady_clock::now() < end; ++i) {
        const std::string key = "bench/" + std::to_string((c * 7919 + i) % o.keys);
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        const auto t0 = std::chrono::steady_clock::now();
        grpc::Status st;
        if (o.op == "get") {
          etcdserverpb::RangeRequest r;
          r.set_key(key);
          etcdserverpb::RangeResponse out;
          st = stub->Range(&ctx, r, &out);
        } else {
          etcdserverpb::PutRequest r;
          r.set_key(key);
          r.set_value(value);
          etcdserverpb::PutResponse out;
          st = stub->Put(&ctx, r, &out);
        }
        const auto t1 = std::chrono::steady_clock::now();
        if (st.ok()) {
          latencies[c].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[static_cast<std::size_t>(p * (all.size() - 1))]; };
  std::printf("op=%s clients=%d ops=%zu errors=%ld ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n", o.op.c_str(),
              o.clients, all.size(), errors.load(), all.size() / elapsed, pct(0.5), pct(0.99));
  return errors > 0 ? 2 : 0;
}
