// The Lease service at the gRPC level, with etcd as the oracle: client-chosen
// ids, the minimum TTL, a duplicate id, keep-alives and time-to-live for a
// lease that does not exist, revoking it, putting with it, and the lease list
// must answer as etcd's do (status codes and messages included).
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>

#include "oracle.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

std::string status_text(const grpc::Status& s) {
  return "code=" + std::to_string(s.error_code()) + " msg=" + s.error_message();
}

std::vector<std::string> lease_scenario(const Server& s) {
  auto channel = grpc::CreateChannel(s.endpoint(), grpc::InsecureChannelCredentials());
  auto lease = Lease::NewStub(channel);
  auto kv = KV::NewStub(channel);
  std::vector<std::string> out;
  auto grant = [&](std::int64_t id, std::int64_t ttl) {
    LeaseGrantRequest q;
    q.set_id(id);
    q.set_ttl(ttl);
    LeaseGrantResponse r;
    auto st = lease->LeaseGrant(ctx().get(), q, &r);
    out.push_back("grant " + std::to_string(id) + " " + status_text(st) + " id=" + std::to_string(r.id()) +
                  " ttl=" + std::to_string(r.ttl()) + " error=" + r.error());
  };
  grant(1000, 1);   // raised to the minimum TTL
  grant(1000, 60);  // a duplicate id
  grant(1001, 9000000001);
  grant(1002, 60);
  {
    grpc::ClientContext c;
    auto stream = lease->LeaseKeepAlive(&c);
    for (std::int64_t id : {1000, 999, 1002}) {
      LeaseKeepAliveRequest q;
      q.set_id(id);
      REQUIRE(stream->Write(q));
      LeaseKeepAliveResponse r;
      REQUIRE(stream->Read(&r));
      out.push_back("keepalive " + std::to_string(id) + " id=" + std::to_string(r.id()) +
                    " ttl=" + std::to_string(r.ttl()) + " rev=" + std::to_string(r.header().revision()));
    }
    stream->WritesDone();
    LeaseKeepAliveResponse r;
    CHECK_FALSE(stream->Read(&r));
    out.push_back("keepalive end " + status_text(stream->Finish()));
  }
  for (std::int64_t id : {999, 1002}) {
    LeaseTimeToLiveRequest q;
    q.set_id(id);
    q.set_keys(true);
    LeaseTimeToLiveResponse r;
    auto st = lease->LeaseTimeToLive(ctx().get(), q, &r);
    out.push_back("ttl " + std::to_string(id) + " " + status_text(st) + " id=" + std::to_string(r.id()) +
                  " granted=" + std::to_string(r.grantedttl()) + " expired=" + std::to_string(r.ttl() < 0));
  }
  {
    PutRequest p;
    p.set_key("k");
    p.set_lease(999);
    PutResponse r;
    out.push_back("put with 999 " + status_text(kv->Put(ctx().get(), p, &r)));
  }
  {
    LeaseRevokeRequest q;
    q.set_id(999);
    LeaseRevokeResponse r;
    out.push_back("revoke 999 " + status_text(lease->LeaseRevoke(ctx().get(), q, &r)));
    q.set_id(1000);
    out.push_back("revoke 1000 " + status_text(lease->LeaseRevoke(ctx().get(), q, &r)) +
                  " rev=" + std::to_string(r.header().revision()));
  }
  {
    LeaseLeasesResponse r;
    auto st = lease->LeaseLeases(ctx().get(), LeaseLeasesRequest{}, &r);
    std::ostringstream o;
    o << "leases " << status_text(st);
    for (const auto& l : r.leases()) o << " " << l.id();
    out.push_back(o.str());
  }
  return out;
}

}  // namespace

TEST_CASE("the Lease service answers as etcd's: ids, minimum TTL, errors, keep-alive of an unknown lease",
          "[lease][oracle]") {
  Pair servers;
  auto want = lease_scenario(servers.etcd);
  auto got = lease_scenario(servers.acord);
  REQUIRE(want.size() == got.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(got[i] == want[i]);
}

TEST_CASE("a keep-alive client that sends without reading is throttled, then gets every answer in order",
          "[lease][backlog]") {
  Server s;
  auto channel = grpc::CreateChannel(s.endpoint(), grpc::InsecureChannelCredentials());
  auto lease = Lease::NewStub(channel);
  LeaseGrantRequest q;
  q.set_ttl(60);
  LeaseGrantResponse granted;
  REQUIRE(lease->LeaseGrant(ctx().get(), q, &granted).ok());
  grpc::ClientContext c;
  auto stream = lease->LeaseKeepAlive(&c);
  constexpr int requests = 20000;  // far past the stream's backlog limit
  std::atomic<int> written{0};
  std::thread writer([&] {
    LeaseKeepAliveRequest k;
    k.set_id(granted.id());
    for (int i = 0; i < requests; ++i) {
      if (!stream->Write(k)) break;
      ++written;
    }
    stream->WritesDone();
  });
  // Not reading for a while: the server stops taking requests once its queue
  // for this client is full (how far the writer gets depends on gRPC's windows).
  wait_until([&] { return written == requests; }, std::chrono::seconds(2));
  INFO("requests written before the client read anything: " << written.load());
  int answered = 0;
  LeaseKeepAliveResponse r;
  while (answered < requests && stream->Read(&r)) {
    if (r.id() != granted.id() || r.ttl() != 60) break;
    ++answered;
  }
  writer.join();
  CHECK(answered == requests);
  CHECK(stream->Finish().ok());
}
