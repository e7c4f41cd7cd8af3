// Measures failover: finds the leader among the given members, kills it
// (SIGKILL, by the pid the caller gave for that member), then writes through
// the survivors until a write succeeds, and prints how long that took.
//
//   failover_probe --endpoints e1,e2,e3 --pids p1,p2,p3
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "etcdserverpb/rpc.grpc.pb.h"

namespace {
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> endpoints, pids;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--endpoints") endpoints = split(argv[i + 1]);
    if (k == "--pids") pids = split(argv[i + 1]);
  }
  if (endpoints.empty() || endpoints.size() != pids.size()) {
    std::fprintf(stderr, "usage: failover_probe --endpoints e1,e2,e3 --pids p1,p2,p3\n");
    return 2;
  }
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kv;
  std::vector<std::unique_ptr<etcdserverpb::Maintenance::Stub>> mt;
  for (const auto& e : endpoints) {
    auto ch = grpc::CreateChannel(e, grpc::InsecureChannelCredentials());
    kv.push_back(etcdserverpb::KV::NewStub(ch));
    mt.push_back(etcdserverpb::Maintenance::NewStub(ch));
  }
  auto deadline = [](int ms) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
    return c;
  };
  int leader = -1;
  for (std::size_t i = 0; i < endpoints.size() && leader < 0; ++i) {
    etcdserverpb::StatusResponse s;
    if (!mt[i]->Status(deadline(2000).get(), {}, &s).ok()) continue;
    for (std::size_t j = 0; j < endpoints.size(); ++j) {
      etcdserverpb::StatusResponse sj;
      if (mt[j]->Status(deadline(2000).get(), {}, &sj).ok() && sj.header().member_id() == s.leader()) leader = static_cast<int>(j);
    }
  }
  if (leader < 0) {
    std::fprintf(stderr, "failover_probe: no leader found\n");
    return 1;
  }
  // Warm the survivors' connections so the measurement is of failover only.
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    etcdserverpb::PutRequest r;
    r.set_key("failover-warmup");
    etcdserverpb::PutResponse out;
    kv[i]->Put(deadline(2000).get(), r, &out);
  }
  const auto t0 = std::chrono::steady_clock::now();
  ::kill(std::stoi(pids[leader]), SIGKILL);
  for (int attempt = 0;; ++attempt) {
    const std::size_t i = (leader + 1 + attempt % (endpoints.size() - 1)) % endpoints.size();
    etcdserverpb::PutRequest r;
    r.set_key("failover-probe");
    etcdserverpb::PutResponse out;
    if (kv[i]->Put(deadline(300).get(), r, &out).ok()) break;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(30)) {
      std::fprintf(stderr, "failover_probe: no write succeeded within 30 s\n");
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("failover_ms=%.0f\n", ms);
  return 0;
}
