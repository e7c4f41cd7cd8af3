// Watch streams at the gRPC level, with etcd as the oracle: the same requests
// on one stream (several watches, server-chosen and client-chosen ids, a
// duplicate id, an empty range, filters, prev_kv, cancel, progress, a
// compacted start, fragments) must get the same responses from acord as from
// etcd. Responses are compared per watch id: etcd orders the responses of
// different watches by whichever it visits first.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include "oracle.hpp"
#include "watch_client.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

std::int64_t put(const Server& s, const std::string& k, const std::string& v) {
  PutRequest r;
  r.set_key(k);
  r.set_value(v);
  PutResponse out;
  auto c = ctx();
  auto status = const_cast<Server&>(s).kv().Put(c.get(), r, &out);
  REQUIRE(status.ok());
  return out.header().revision();
}

void kv_call(const Server& s, const std::function<grpc::Status(KV::Stub&, grpc::ClientContext*)>& f) {
  auto c = ctx();
  REQUIRE(f(const_cast<Server&>(s).kv(), c.get()).ok());
}

// A response as text, values by size (some are large).
std::string summary(const WatchResponse& r) {
  std::ostringstream o;
  o << "rev=" << r.header().revision() << " term=" << r.header().raft_term() << " member=" << r.header().member_id()
    << " id=" << r.watch_id() << " created=" << r.created() << " canceled=" << r.canceled()
    << " compact=" << r.compact_revision() << " reason=" << r.cancel_reason() << " fragment=" << r.fragment();
  for (const auto& e : r.events()) {
    o << " [" << (e.type() == mvccpb::Event::PUT ? "PUT " : "DEL ") << e.kv().key() << " c" << e.kv().create_revision()
      << " m" << e.kv().mod_revision() << " v" << e.kv().version() << " len" << e.kv().value().size();
    if (e.has_prev_kv()) o << " prev:" << e.prev_kv().key() << "@" << e.prev_kv().mod_revision();
    o << "]";
  }
  return o.str();
}

std::map<std::int64_t, std::string> by_watch(const std::vector<WatchResponse>& rs) {
  std::map<std::int64_t, std::string> out;
  for (const auto& r : rs) out[r.watch_id()] += summary(r) + "\n";
  return out;
}

std::map<std::int64_t, std::string> stream_scenario(const Server& s) {
  WatchClient w(s.endpoint());
  auto a = WatchClient::create("a");
  a.mutable_create_request()->set_prev_kv(true);
  w.send(a);  // id 0
  auto b = WatchClient::create("b", "c");
  b.mutable_create_request()->add_filters(WatchCreateRequest::NOPUT);
  w.send(b);  // id 1
  // (A watch that starts in the past is caught up on etcd's 100 ms sync
  // tick, which batches its events by timing; the scenario's one such watch,
  // 21 below, runs when nothing else writes.)
  auto c = WatchClient::create("c");
  c.mutable_create_request()->set_watch_id(7);
  w.send(c);
  w.send(c);                                // a duplicate id
  w.send(WatchClient::create("z", "a"));    // an empty range
  auto all = WatchClient::create("", std::string(1, '\0'));
  all.mutable_create_request()->add_filters(WatchCreateRequest::NODELETE);
  w.send(all);  // id 2: every key, puts only
  REQUIRE(w.wait_for(6).size() == 6);
  put(s, "a", "1");
  put(s, "b1", "x");
  kv_call(s, [](KV::Stub& kv, grpc::ClientContext* c) {
    DeleteRangeRequest d;
    d.set_key("b1");
    DeleteRangeResponse out;
    return kv.DeleteRange(c, d, &out);
  });
  put(s, "c", "3");
  kv_call(s, [](KV::Stub& kv, grpc::ClientContext* c) {
    TxnRequest t;
    auto* p1 = t.add_success()->mutable_request_put();
    p1->set_key("a");
    p1->set_value("2");
    auto* p2 = t.add_success()->mutable_request_put();
    p2->set_key("c");
    p2->set_value("4");
    TxnResponse out;
    return kv.Txn(c, t, &out);
  });
  // a: 2, b: 1 (the delete), c: 2, every key: 4 revisions with puts.
  {
    auto rs = w.wait_for(6 + 9);
    std::string text;
    for (const auto& r : rs) text += summary(r) + "\n";
    INFO(text);
    REQUIRE(rs.size() == 15);
  }
  WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(1);
  w.send(cancel);
  cancel.mutable_cancel_request()->set_watch_id(99);  // unknown: no answer
  w.send(cancel);
  WatchRequest progress;
  progress.mutable_progress_request();
  w.send(progress);
  REQUIRE(w.wait_for(17).size() == 17);
  put(s, "b2", "y");  // watch 1 is gone (watch 2 sees it)
  const auto rev = put(s, "a", "3");
  REQUIRE(w.wait_for(20).size() == 20);
  kv_call(s, [&](KV::Stub& kv, grpc::ClientContext* c) {
    CompactionRequest r;
    r.set_revision(rev - 1);
    CompactionResponse out;
    return kv.Compact(c, r, &out);
  });
  auto old = WatchClient::create("a", "", 2);
  old.mutable_create_request()->set_watch_id(20);
  w.send(old);  // created, then canceled: its start was compacted
  auto recent = WatchClient::create("a", "", rev - 1);
  recent.mutable_create_request()->set_watch_id(21);
  w.send(recent);  // replays revision rev
  auto rs = w.wait_for(24);
  CHECK(rs.size() == 24);
  rs = w.wait_for(25, std::chrono::milliseconds(300));  // nothing more comes
  CHECK(rs.size() == 24);
  return by_watch(rs);
}

std::vector<std::string> fragment_scenario(const Server& s) {
  const std::string big(600 * 1024, 'v');
  const auto first = put(s, "f1", big);
  put(s, "f2", big);
  put(s, "f3", big);
  put(s, "f4", big);
  std::vector<std::string> out;
  for (bool fragment : {true, false}) {
    WatchClient w(s.endpoint());
    auto f = WatchClient::create("f", "g", first);
    f.mutable_create_request()->set_fragment(fragment);
    w.send(f);
    // Wait until the four events are in (in one response, or in fragments).
    std::size_t events = 0;
    std::vector<WatchResponse> rs;
    wait_until(
        [&] {
          rs = w.wait_for(1, std::chrono::milliseconds(50));
          events = 0;
          for (const auto& r : rs) events += static_cast<std::size_t>(r.events_size());
          return events >= 4;
        },
        std::chrono::seconds(10));
    CHECK(events == 4);
    for (const auto& r : rs) out.push_back(summary(r));
  }
  return out;
}

}  // namespace

TEST_CASE("a watch stream answers as etcd's: ids, filters, prev_kv, cancel, progress, compaction", "[watch][oracle]") {
  Pair servers;
  auto want = stream_scenario(servers.etcd);
  auto got = stream_scenario(servers.acord);
  CHECK(want.size() == got.size());
  for (const auto& [id, text] : want) {
    INFO("watch id " << id);
    CHECK(got[id] == text);
  }
}

TEST_CASE("a large catch-up is split into fragments for a watch that asks, as etcd splits it", "[watch][oracle]") {
  Pair servers;
  auto want = fragment_scenario(servers.etcd);
  auto got = fragment_scenario(servers.acord);
  CHECK(got == want);
  CHECK(want.size() > 3);  // created twice, several fragments, one whole response
}

TEST_CASE("a watch that asked for progress notifications gets them while quiet, as from etcd", "[watch][oracle]") {
  const std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
  auto with_interval = [&](const std::string& binary) {
    auto o = options_for(binary, peer);
    o.extra_flags = {"--experimental-watch-progress-notify-interval", "500ms"};
    return o;
  };
  Server etcd(with_interval(etcd_binary())), acord(with_interval(acord_binary()));
  auto scenario = [](const Server& s) {
    put(s, "p", "1");
    WatchClient w(s.endpoint());
    auto p = WatchClient::create("p");
    p.mutable_create_request()->set_progress_notify(true);
    w.send(p);
    w.send(WatchClient::create("q"));  // no notifications for this one
    auto rs = w.wait_for(3, std::chrono::seconds(5));  // two created, then a notification
    REQUIRE(rs.size() >= 3);
    rs.resize(3);
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(summary(r));
    return out;
  };
  auto want = scenario(etcd);
  auto got = scenario(acord);
  CHECK(got == want);
  CHECK(want.back().find("id=0 created=0") != std::string::npos);
}
