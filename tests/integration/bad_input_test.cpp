// Bad input gets etcd's error, and the server keeps serving and loses nothing:
// malformed flags, foreign data directories, oversize and malformed requests.
#include <catch2/catch.hpp>

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>

#include "server.hpp"

using namespace acord::test;
using namespace etcdserverpb;

namespace {

void require_still_serving(Server& s) {
  PutRequest p;
  p.set_key("still");
  p.set_value("serving");
  PutResponse out;
  REQUIRE(s.kv().Put(ctx().get(), p, &out).ok());
  RangeRequest r;
  r.set_key("still");
  RangeResponse got;
  REQUIRE(s.kv().Range(ctx().get(), r, &got).ok());
  REQUIRE(got.kvs_size() == 1);
  CHECK(got.kvs(0).value() == "serving");
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("a bad flag is a one-line error and exit code 1", "[bad-input][flags]") {
  auto unknown = run_command({acord_binary(), "--no-such-flag", "x"});
  CHECK(unknown.exit_code == 1);
  CHECK(lines(unknown.err) == 1);
  CHECK_THAT(unknown.err, Catch::Contains("--no-such-flag"));

  auto bad_url = run_command({acord_binary(), "--listen-client-urls", "localhost:2379"});
  CHECK(bad_url.exit_code == 1);
  CHECK(lines(bad_url.err) == 1);
  CHECK_THAT(bad_url.err, Catch::Contains("--listen-client-urls"));

  auto bad_port = run_command({acord_binary(), "--advertise-client-urls", "http://127.0.0.1:99999"});
  CHECK(bad_port.exit_code == 1);
  CHECK_THAT(bad_port.err, Catch::Contains("invalid port"));

  auto bad_state = run_command({acord_binary(), "--initial-cluster-state", "sideways"});
  CHECK(bad_state.exit_code == 1);
  CHECK_THAT(bad_state.err, Catch::Contains("--initial-cluster-state"));

  TempDir empty;
  auto join = run_command({acord_binary(), "--data-dir", empty.path + "/d", "--initial-cluster-state", "existing",
                           "--listen-client-urls", "http://127.0.0.1:" + std::to_string(free_port())});
  CHECK(join.exit_code == 1);
  CHECK(lines(join.err) == 1);
  CHECK_THAT(join.err, Catch::Contains("--initial-cluster-state existing"));

  auto bad_cluster = run_command({acord_binary(), "--initial-cluster", "default"});
  CHECK(bad_cluster.exit_code == 1);
  CHECK_THAT(bad_cluster.err, Catch::Contains("--initial-cluster"));

  auto bad_duration = run_command({acord_binary(), "--experimental-watch-progress-notify-interval", "10"});
  CHECK(bad_duration.exit_code == 1);
  CHECK(lines(bad_duration.err) == 1);
  CHECK_THAT(bad_duration.err, Catch::Contains("--experimental-watch-progress-notify-interval"));

  auto version = run_command({acord_binary(), "--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains("acord Version:"));
  auto help = run_command({acord_binary(), "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--initial-cluster-token"));
}

TEST_CASE("a data dir of another cluster is refused, and left as it was", "[bad-input][data-dir]") {
  Server s;
  PutRequest p;
  p.set_key("mine");
  PutResponse out;
  REQUIRE(s.kv().Put(ctx().get(), p, &out).ok());
  REQUIRE(s.stop() == 0);
  auto flags = s.flags();
  std::vector<std::string> argv = {acord_binary()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"--initial-cluster-token", "another-cluster"});
  auto other = run_command(argv, "", std::chrono::seconds(20));
  CHECK(other.exit_code == 1);
  CHECK(lines(other.err) == 1);
  CHECK_THAT(other.err, Catch::Contains("belongs to member"));
  s.start();  // the rightful owner still starts, with its data
  REQUIRE(s.wait_ready());
  RangeRequest r;
  r.set_key("mine");
  RangeResponse got;
  REQUIRE(s.kv().Range(ctx().get(), r, &got).ok());
  CHECK(got.kvs_size() == 1);
}

TEST_CASE("a second server on a data dir in use is refused - the first keeps serving", "[bad-input][data-dir]") {
  Server s;
  auto flags = s.flags();
  std::vector<std::string> argv = {acord_binary()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  // Same data dir, another client port.
  for (std::size_t i = 1; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--listen-client-urls") argv[i + 1] = "http://127.0.0.1:" + std::to_string(free_port());
  }
  auto second = run_command(argv, "", std::chrono::seconds(20));
  CHECK(second.exit_code == 1);
  CHECK(lines(second.err) == 1);
  CHECK_THAT(second.err, Catch::Contains("cannot open the data directory"));
  require_still_serving(s);
}

TEST_CASE("requests past etcd's limits get etcd's errors - the server keeps serving", "[bad-input][limits]") {
  Server s;
  SECTION("a request over --max-request-bytes is too large") {
    PutRequest p;
    p.set_key("big");
    p.set_value(std::string(1572864 + 1, 'x'));
    PutResponse out;
    auto st = s.kv().Put(ctx().get(), p, &out);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "etcdserver: request is too large");
  }
  SECTION("a request beyond gRPC's receive limit is refused by the transport") {
    PutRequest p;
    p.set_key("bigger");
    p.set_value(std::string(3 * 1024 * 1024, 'x'));
    PutResponse out;
    auto st = s.kv().Put(ctx().get(), p, &out);
    CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  SECTION("an empty key is not provided") {
    PutRequest p;
    PutResponse out;
    auto st = s.kv().Put(ctx().get(), p, &out);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "etcdserver: key is not provided");
    DeleteRangeRequest d;
    DeleteRangeResponse dout;
    CHECK(s.kv().DeleteRange(ctx().get(), d, &dout).error_message() == "etcdserver: key is not provided");
  }
  SECTION("a range end before the key is an empty range, not an error") {
    RangeRequest r;
    r.set_key("b");
    r.set_range_end("a");
    RangeResponse out;
    REQUIRE(s.kv().Range(ctx().get(), r, &out).ok());
    CHECK(out.count() == 0);
  }
  SECTION("more than 128 ops in a txn") {
    TxnRequest t;
    for (int i = 0; i < 129; ++i) t.add_success()->mutable_request_put()->set_key("k" + std::to_string(i));
    TxnResponse out;
    auto st = s.kv().Txn(ctx().get(), t, &out);
    CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(st.error_message() == "etcdserver: too many operations in txn request");
  }
  SECTION("revisions compacted away or not yet written") {
    for (int i = 0; i < 3; ++i) {
      PutRequest p;
      p.set_key("r");
      PutResponse out;
      REQUIRE(s.kv().Put(ctx().get(), p, &out).ok());
    }
    CompactionRequest c;
    c.set_revision(3);
    CompactionResponse cout;
    REQUIRE(s.kv().Compact(ctx().get(), c, &cout).ok());
    RangeRequest r;
    r.set_key("r");
    r.set_revision(2);
    RangeResponse out;
    auto st = s.kv().Range(ctx().get(), r, &out);
    CHECK(st.error_code() == grpc::StatusCode::OUT_OF_RANGE);
    CHECK(st.error_message() == "etcdserver: mvcc: required revision has been compacted");
    r.set_revision(100);
    st = s.kv().Range(ctx().get(), r, &out);
    CHECK(st.error_code() == grpc::StatusCode::OUT_OF_RANGE);
    CHECK(st.error_message() == "etcdserver: mvcc: required revision is a future revision");
    auto again = s.kv().Compact(ctx().get(), c, &cout);
    CHECK(again.error_message() == "etcdserver: mvcc: required revision has been compacted");
  }
  SECTION("bytes that are not a request") {
    grpc::GenericStub generic(grpc::CreateChannel(s.endpoint(), grpc::InsecureChannelCredentials()));
    grpc::ByteBuffer garbage, reply;
    grpc::Slice slice(std::string("\xff\xff\xff\xff not a protobuf"));
    garbage = grpc::ByteBuffer(&slice, 1);
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status st;
    auto c = ctx();
    generic.UnaryCall(c.get(), "/etcdserverpb.KV/Put", grpc::StubOptions(), &garbage, &reply, [&](grpc::Status s2) {
      std::lock_guard<std::mutex> lock(mu);
      st = s2;
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
    CHECK_FALSE(st.ok());
  }
  require_still_serving(s);
}

TEST_CASE("a quota past etcd's 8 GiB is taken, a negative one refused", "[bad-input][quota]") {
  auto negative = run_command({acord_binary(), "--quota-backend-bytes", "-1"});
  CHECK(negative.exit_code == 1);
  CHECK(lines(negative.err) == 1);
  CHECK_THAT(negative.err, Catch::Contains("--quota-backend-bytes"));
  ServerOptions o;
  o.extra_flags = {"--quota-backend-bytes", std::to_string(std::int64_t{64} << 30)};
  Server s(o);
  PutRequest p;
  p.set_key("big-quota");
  p.set_value(std::string(1000, 'x'));
  PutResponse out;
  CHECK(s.kv().Put(ctx().get(), p, &out).ok());
  CHECK(etcdctl(s.endpoint(), {"alarm", "list"}).out.empty());
}

TEST_CASE("past --quota-backend-bytes writes fail with NOSPACE until compaction and disarm", "[bad-input][quota]") {
  ServerOptions o;
  o.extra_flags = {"--quota-backend-bytes", "8192"};
  Server s(o);
  grpc::Status st;
  int written = 0;
  for (; written < 100; ++written) {
    PutRequest p;
    p.set_key("q");
    p.set_value(std::string(1000, 'x'));
    PutResponse out;
    st = s.kv().Put(ctx().get(), p, &out);
    if (!st.ok()) break;
  }
  CHECK(written > 3);
  CHECK(st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(st.error_message() == "etcdserver: mvcc: database space exceeded");
  auto alarms = etcdctl(s.endpoint(), {"alarm", "list"});
  CHECK_THAT(alarms.out, Catch::Contains("alarm:NOSPACE"));
  // Reads and deletes still work; space comes back with compaction, writes after disarm.
  RangeRequest r;
  r.set_key("q");
  RangeResponse rout;
  REQUIRE(s.kv().Range(ctx().get(), r, &rout).ok());
  const auto rev = rout.header().revision();
  REQUIRE(etcdctl(s.endpoint(), {"compaction", std::to_string(rev)}).exit_code == 0);
  auto disarm = etcdctl(s.endpoint(), {"alarm", "disarm"});
  CHECK(disarm.exit_code == 0);
  CHECK(etcdctl(s.endpoint(), {"alarm", "list"}).out.empty());
  require_still_serving(s);
}

