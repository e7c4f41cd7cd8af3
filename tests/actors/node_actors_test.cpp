// One node's actors (storage, raft, apply, sessions) wired as in production,
// over the in-memory store, under CAF's deterministic scheduler: every message
// is delivered in a reproducible order and no timer fires unless the test says
// so. These tests check the durability contract at the level of messages.
#define CAF_SUITE node_actors
#include <set>
#include <tuple>
#include <caf/test/dsl.hpp>
#include <caf/test/unit_test_impl.hpp>

#include "actors/clock.hpp"
#include "actors/node_wiring.hpp"
#include "actors/stream_sessions.hpp"
#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"
#include "storage/memory_store.hpp"

using namespace acord;
using namespace acord::actors;

namespace {

struct fixture : test_coordinator_fixture<> {
  storage::MemoryStore store;
  NodeConfig config;
  NodeActors node;
  // What happened, in order: "write sync=<0|1> keys=<keys proposed in it>" and "ack <key>".
  std::vector<std::string> trace;
  // Every proposal written to the log: (origin, id, kind), in order.
  std::vector<std::tuple<std::uint64_t, std::uint64_t, protocol::ProposalKind>> proposals;

  fixture() {
    config.name = "n1";
    config.data_dir = "(memory)";
    config.cluster_token = "t";
    config.initial_cluster = cluster::parse_initial_cluster("n1=http://127.0.0.1:1", "t");
    config.advertise_peer_urls = {"http://127.0.0.1:1"};
    config.advertise_client_urls = {"http://127.0.0.1:2"};
    config.max_request_bytes = limits::max_request_bytes_default;
    config.quota_bytes = limits::quota_backend_bytes_default;
    config.max_txn_ops = limits::max_txn_ops_default;
    config.snapshot_count = limits::snapshot_count_default;
    config.version = "test";
    store.on_write = [this](const storage::WriteSet& w) {
      std::string keys;
      for (const auto& e : w.entries) {
        auto p = protocol::decode_proposal(e.data);
        if (p) proposals.emplace_back(p->origin, p->id, p->kind);
        etcdserverpb::PutRequest put;
        if (p && p->kind == protocol::ProposalKind::put && put.ParseFromString(p->payload)) keys += put.key() + ",";
      }
      if (!w.entries.empty()) trace.push_back("write sync=" + std::to_string(w.sync) + " keys=" + keys);
    };
    start();
  }

  ~fixture() override {
    stop_node(node);
    run();  // with the raft actor gone, its tick timer stops rescheduling
  }

  // Delivers messages until none is left. Timers (the raft tick, request
  // deadlines) fire only when a test advances the clock.
  void drain() { consume_messages(); }

  void start() {
    storage::Loaded loaded;
    std::string error;
    CAF_REQUIRE(prepare_store(config, store, loaded, error));
    node = spawn_node(sys, config, store, std::move(loaded), false);
    drain();
  }

  // Stops every actor, loses what was not synced, and starts again.
  void power_cut_and_restart() {
    stop_node(node);
    drain();
    store.power_cut();
    start();
  }

  ApiError submit(CallKind kind, const google::protobuf::Message& req, google::protobuf::Message& resp,
                  const std::string& label) {
    ApiError result{StatusCode::unknown, "never finished"};
    auto call = std::make_shared<Call>();
    call->kind = kind;
    call->request = &req;
    call->response = &resp;
    call->finish = [&, label](const ApiError& e) {
      trace.push_back("ack " + label);
      result = e;
    };
    sys.spawn(session_actor, node.sessions, call);
    drain();
    return result;
  }

  etcdserverpb::PutResponse put(const std::string& key, const std::string& value) {
    etcdserverpb::PutRequest r;
    r.set_key(key);
    r.set_value(value);
    etcdserverpb::PutResponse out;
    CAF_REQUIRE(submit(CallKind::put, r, out, key).ok());
    return out;
  }

  etcdserverpb::RangeResponse get(const std::string& key, bool serializable = false) {
    etcdserverpb::RangeRequest r;
    r.set_key(key);
    r.set_serializable(serializable);
    etcdserverpb::RangeResponse out;
    CAF_REQUIRE(submit(CallKind::range, r, out, "get " + key).ok());
    return out;
  }

  std::size_t position(const std::string& prefix) const {
    for (std::size_t i = 0; i < trace.size(); ++i) {
      if (trace[i].rfind(prefix, 0) == 0) return i;
    }
    return trace.size();
  }
};

// A client stream's far end: keeps what the actors wrote to it.
struct RecordingSink final : StreamSink {
  std::vector<std::shared_ptr<google::protobuf::Message>> written;
  ApiError closed{StatusCode::unknown, "open"};
  void write(std::unique_ptr<google::protobuf::Message> m) override { written.push_back(std::move(m)); }
  std::size_t backlog() const override { return 0; }
  void close(const ApiError& e) override { closed = e; }
  const etcdserverpb::WatchResponse& watch(std::size_t i) const {
    return static_cast<const etcdserverpb::WatchResponse&>(*written.at(i));
  }
};

}  // namespace

CAF_TEST_FIXTURE_SCOPE(node_actor_tests, fixture)

CAF_TEST(a watch with prev_kv gets a previous value that left memory read back from the data directory) {
  stop_node(node);
  drain();
  config.recent_values_revisions = 1;  // values leave memory once a revision old and durable
  start();
  auto sink = std::make_shared<RecordingSink>();
  auto stream = sys.spawn(watch_session, node.sessions, sink);
  auto req = std::make_shared<etcdserverpb::WatchRequest>();
  req->mutable_create_request()->set_key("k");
  req->mutable_create_request()->set_prev_kv(true);
  anon_send(stream, stream_request_atom::value, StreamMessagePtr(req));
  drain();
  put("k", "first");
  put("other", "x");
  put("other", "y");
  const auto reads_before = store.value_reads();
  put("k", "second");
  drain();
  CAF_REQUIRE_EQUAL(sink->written.size(), 3u);  // created, then one response per put of k
  const auto& ev = sink->watch(2).events(0);
  CAF_CHECK_EQUAL(ev.kv().value(), "second");
  CAF_CHECK_EQUAL(ev.prev_kv().value(), "first");
  CAF_CHECK_EQUAL(ev.prev_kv().version(), 1);
  // "first" had left memory: the watch actor read it back (the put did not).
  CAF_CHECK_EQUAL(store.value_reads(), reads_before + 1);
  // A current read of a value that left memory reads it back too.
  auto other = get("other");
  CAF_REQUIRE_EQUAL(other.kvs_size(), 1);
  CAF_CHECK_EQUAL(other.kvs(0).value(), "y");
}

CAF_TEST(a watch stream gets its events in order and its watches go when the stream ends) {
  auto sink = std::make_shared<RecordingSink>();
  auto stream = sys.spawn(watch_session, node.sessions, sink);
  for (const char* key : {"a", "b"}) {
    auto req = std::make_shared<etcdserverpb::WatchRequest>();
    req->mutable_create_request()->set_key(key);
    anon_send(stream, stream_request_atom::value, StreamMessagePtr(req));
  }
  drain();
  CAF_REQUIRE_EQUAL(sink->written.size(), 2u);
  CAF_CHECK(sink->watch(0).created());
  CAF_CHECK_EQUAL(sink->watch(1).watch_id(), 1);
  put("a", "1");
  put("b", "2");
  put("c", "3");  // watched by nobody
  drain();
  CAF_REQUIRE_EQUAL(sink->written.size(), 4u);
  CAF_CHECK_EQUAL(sink->watch(2).watch_id(), 0);
  CAF_CHECK_EQUAL(sink->watch(2).events(0).kv().value(), "1");
  CAF_CHECK_EQUAL(sink->watch(3).watch_id(), 1);
  CAF_CHECK_EQUAL(sink->watch(3).header().revision(), 3);
  auto count = [&] {
    std::int64_t watches = -1;
    auto h = self->request(node.watch, caf::infinite, status_atom::value);
    drain();
    h.receive([&](std::int64_t n, std::int64_t) { watches = n; }, [&](caf::error&) {});
    return watches;
  };
  CAF_CHECK_EQUAL(count(), 2);
  anon_send(stream, stream_end_atom::value);
  drain();
  CAF_CHECK_EQUAL(count(), 0);
  put("a", "again");
  drain();
  CAF_CHECK_EQUAL(sink->written.size(), 4u);  // nothing for a stream that ended
}

CAF_TEST(a put is acknowledged only after a synced write holding its entry) {
  auto out = put("k", "v");
  CAF_CHECK_EQUAL(out.header().revision(), 2);
  const auto write = position("write sync=1 keys=k,");
  const auto ack = position("ack k");
  CAF_CHECK(write < trace.size());
  CAF_CHECK(write < ack);
  CAF_CHECK_EQUAL(position("write sync=0 keys=k"), trace.size());  // never an unsynced write of the entry
}

CAF_TEST(writes that arrive together share a sync and those that arrive during it share the next one) {
  // Two puts at once go to disk in one durable write; two that arrive while
  // it is under way go together in the next one (group commit).
  std::vector<etcdserverpb::PutRequest> reqs(4);
  std::vector<etcdserverpb::PutResponse> resps(4);
  std::vector<ApiError> results;
  auto submit_put = [&](std::size_t i) {
    reqs[i].set_key(std::string(1, static_cast<char>('a' + i)));
    auto call = std::make_shared<Call>();
    call->kind = CallKind::put;
    call->request = &reqs[i];
    call->response = &resps[i];
    call->finish = [&](const ApiError& e) { results.push_back(e); };
    sys.spawn(session_actor, node.sessions, call);
  };
  submit_put(0);
  submit_put(1);
  // Until the first write is on its way to disk (not yet acknowledged).
  while (position("write sync=1 keys=a,b,") == trace.size() && sched.try_run_once()) {
  }
  CAF_REQUIRE(position("write sync=1 keys=a,b,") < trace.size());
  CAF_REQUIRE(results.empty());
  submit_put(2);
  submit_put(3);
  drain();
  CAF_REQUIRE_EQUAL(results.size(), 4u);
  for (const auto& r : results) CAF_CHECK(r.ok());
  CAF_CHECK(position("write sync=1 keys=c,d,") < trace.size());
}

CAF_TEST(an acknowledged write survives a power cut and the apply state is rebuilt from the log) {
  put("k", "v1");
  put("k", "v2");
  storage::Loaded before;
  std::string error;
  power_cut_and_restart();
  CAF_REQUIRE(store.load(before, error));
  auto got = get("k");
  CAF_REQUIRE_EQUAL(got.kvs_size(), 1);
  CAF_CHECK_EQUAL(got.kvs(0).value(), "v2");
  CAF_CHECK_EQUAL(got.kvs(0).version(), 2);
  CAF_CHECK_EQUAL(got.header().revision(), 3);
  CAF_CHECK_EQUAL(got.header().raft_term(), 3u);  // a new election after the restart
}

CAF_TEST(a linearizable read sees every acknowledged write) {
  for (int i = 0; i < 5; ++i) put("k" + std::to_string(i), std::to_string(i));
  auto got = get("k4");
  CAF_REQUIRE_EQUAL(got.kvs_size(), 1);
  CAF_CHECK_EQUAL(got.header().revision(), 6);
  auto serial = get("k4", true);
  CAF_CHECK_EQUAL(serial.kvs_size(), 1);
}

CAF_TEST(a read waiting for an index its member has not applied gets request timed out at its deadline) {
  // A member cut off just after it learned a read index may never apply that
  // far; its reader must still be answered.
  put("k", "v");
  std::vector<ApiError> answers;
  auto held = [&](std::int64_t expires_at_ms) {
    auto rr = std::make_shared<ReadRequest>();
    auto q = std::make_shared<etcdserverpb::RangeRequest>();
    q->set_key("k");
    rr->request = q;
    rr->read_index = 1000000;  // far beyond the log
    rr->expires_at_ms = expires_at_ms;
    rr->reply = ReplyTo([&](const ResultPtr& r) { answers.push_back(r->error); });
    caf::anon_send(node.apply, read_atom::value, ReadRequestPtr(rr));
  };
  held(monotonic_ms() - 1);                      // past its deadline
  held(monotonic_ms() + 3600 * 1000);            // an hour to go
  drain();
  CAF_CHECK(answers.empty());  // nothing answers a held read before the expiry timer
  sched.trigger_timeouts();
  drain();
  CAF_REQUIRE_EQUAL(answers.size(), 1u);
  CAF_CHECK(answers[0] == errors::timeout());
}

CAF_TEST(proposal ids never repeat - not between the member's own entries and its clients' nor across a restart) {
  // A committed entry finds the request waiting on it by (member, id): a
  // repeated id hands one request another entry's result.
  // Restarts in quick succession: ids come from the start epoch in the data
  // directory, not from the clock (ids from the clock's millisecond repeated
  // when a restart took less than one, or the clock was set back).
  put("a", "1");
  put("b", "2");
  for (int i = 0; i < 3; ++i) {
    power_cut_and_restart();
    drain();
    put("c" + std::to_string(i), "3");
  }
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  std::size_t publishes = 0;
  for (const auto& [origin, id, kind] : proposals) {
    if (id == 0) continue;  // no one waits on it (a lease revocation)
    publishes += kind == protocol::ProposalKind::publish ? 1 : 0;
    CAF_CHECK(seen.insert({origin, id}).second);
  }
  CAF_CHECK(publishes >= 2);  // the raft actor's own entries are among them, before and after the restart
  CAF_CHECK(seen.size() >= 5);
}

CAF_TEST(the log on disk is trimmed at every snapshot interval once the memory log has been trimmed) {
  // A small interval: at each synced apply, the entries before it (less the
  // 20 kept) leave the disk.
  stop_node(node);
  drain();
  config.snapshot_count = 20;
  start();
  // Puts that arrive together are handed to the apply actor in one batch;
  // the in-memory log drops applied entries in steps of 1024, at the moment a
  // batch is handed out, before the apply actor has applied it. The disk's
  // trim must not depend on where that step falls.
  for (int batch = 0; batch < 15; ++batch) {
    std::vector<ApiError> answers(100, ApiError{StatusCode::unknown, "never finished"});
    std::vector<etcdserverpb::PutRequest> requests(100);
    std::vector<etcdserverpb::PutResponse> responses(100);
    for (int i = 0; i < 100; ++i) {
      requests[i].set_key("k" + std::to_string(batch * 100 + i));
      auto call = std::make_shared<Call>();
      call->kind = CallKind::put;
      call->request = &requests[i];
      call->response = &responses[i];
      call->finish = [&answers, i](const ApiError& e) { answers[i] = e; };
      sys.spawn(session_actor, node.sessions, call);
    }
    drain();
    for (const auto& a : answers) CAF_REQUIRE(a.ok());
    storage::Loaded loaded;
    std::string error;
    CAF_REQUIRE(store.load(loaded, error));
    CAF_MESSAGE("batch " << batch << ": applied " << loaded.apply_state.applied_index << ", disk log from "
                         << loaded.log_start.first_index);
    CAF_CHECK_EQUAL(loaded.log_start.first_index, loaded.apply_state.applied_index - 20 + 1);
  }
  // A restart from the trimmed log still has everything.
  power_cut_and_restart();
  CAF_CHECK_EQUAL(get("k1499").kvs_size(), 1);
  CAF_CHECK_EQUAL(get("k0").kvs_size(), 1);
}

CAF_TEST(the disk log is trimmed where the apply actor says even when memory dropped past it already) {
  // The default interval: no synced apply (and so no trim) in this test's
  // writes, which outnumber the tail kept (5,000) and one memory step (1,024).
  for (int i = 0; i < 6100; ++i) put("k" + std::to_string(i), "v");
  etcdserverpb::StatusRequest sr;
  etcdserverpb::StatusResponse st;
  CAF_REQUIRE(submit(CallKind::status, sr, st, "status").ok());
  const auto handed_out = st.raftindex();
  storage::Loaded loaded;
  std::string error;
  CAF_REQUIRE(store.load(loaded, error));
  CAF_REQUIRE_EQUAL(loaded.log_start.first_index, 1u);  // untrimmed so far
  // The apply actor made an index durable that lags what Raft handed out (as
  // it does under load): memory kept the 5,000 before what it handed out, so
  // the entry the disk trim ends at is no longer in memory.
  const raft::Index durable = handed_out - 100;
  caf::anon_send(node.raft, trim_atom::value, durable);
  drain();
  CAF_REQUIRE(store.load(loaded, error));
  CAF_CHECK_EQUAL(loaded.log_start.first_index, durable - limits::raft_log_retain_entries + 1);
  CAF_CHECK_EQUAL(loaded.log_start.term_before_first, loaded.hard_state.term);
  // The trimmed log restarts with everything.
  power_cut_and_restart();
  CAF_CHECK_EQUAL(get("k6099").kvs_size(), 1);
}

CAF_TEST(a rejected request never reaches the log) {
  etcdserverpb::PutRequest r;  // empty key
  etcdserverpb::PutResponse out;
  const auto writes_before = trace.size();
  auto e = submit(CallKind::put, r, out, "empty");
  CAF_CHECK(e == errors::empty_key());
  CAF_CHECK_EQUAL(trace.size(), writes_before + 1);  // only the ack
}

CAF_TEST(a restart publishes this member again and keeps its ids) {
  etcdserverpb::StatusRequest sr;
  etcdserverpb::StatusResponse before, after;
  CAF_REQUIRE(submit(CallKind::status, sr, before, "status").ok());
  power_cut_and_restart();
  CAF_REQUIRE(submit(CallKind::status, sr, after, "status").ok());
  CAF_CHECK_EQUAL(after.header().member_id(), before.header().member_id());
  CAF_CHECK_EQUAL(after.header().cluster_id(), before.header().cluster_id());
  CAF_CHECK_EQUAL(before.raftindex(), 4u);  // membership, leader's entry, publish, cluster version
  CAF_CHECK_EQUAL(after.raftindex(), 6u);   // + a new leader's entry and publish
  etcdserverpb::MemberListRequest mr;
  etcdserverpb::MemberListResponse members;
  CAF_REQUIRE(submit(CallKind::member_list, mr, members, "members").ok());
  CAF_REQUIRE_EQUAL(members.members_size(), 1);
  CAF_CHECK_EQUAL(members.members(0).clienturls(0), "http://127.0.0.1:2");
}

CAF_TEST_FIXTURE_SCOPE_END()
