// acord's entry point: flags, the node, the client port, and a clean stop on
// SIGINT/SIGTERM. A bad flag or data directory is a one-line error, exit 1.
#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <ctime>
#include <set>
#include <string>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "server/client_credentials.hpp"
#include "core/limits.hpp"
#include "server/flags.hpp"
#include "server/grpc_front.hpp"
#include "server/initial_corruption_check.hpp"

namespace {

using acord::log_info;
using acord::log_warn;

constexpr const char* acord_version = "0.1.0";
// The etcd API version acord speaks, reported where etcd reports its own
// version (Maintenance.Status), since clients compare it against etcd releases.
constexpr const char* etcd_api_version = "3.4.23";

int fail(const std::string& why) {
  std::fprintf(stderr, "acord: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds abseil with its lock-order (deadlock) tracking on: a graph
  // update on every gRPC mutex acquisition, a few per cent of a busy server's
  // CPU. That is a debugging aid, not a safety net; off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  acord::server::Flags flags;
  std::string message;
  switch (acord::server::parse_flags(argc, argv, flags, message)) {
    case acord::server::ParseOutcome::exit_ok:
      if (flags.show_version) {
        std::printf("acord Version: %s\nAPI Version: 3.4 (etcd %s compatible)\n", acord_version, etcd_api_version);
      } else {
        std::printf("%s", message.c_str());
      }
      return 0;
    case acord::server::ParseOutcome::exit_error:
      return fail(message);
    case acord::server::ParseOutcome::run:
      break;
  }

  // Stop on SIGINT/SIGTERM: block them here, wait for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  acord::actors::NodeConfig nc;
  nc.name = flags.name;
  nc.data_dir = flags.data_dir;
  try {
    nc.initial_cluster = acord::cluster::parse_initial_cluster(flags.initial_cluster, flags.initial_cluster_token);
    for (const auto& m : nc.initial_cluster) {
      for (const auto& u : m.peer_urls) acord::server::parse_url(u);
    }
  } catch (const std::invalid_argument& e) {
    return fail(std::string(e.what()).rfind("--", 0) == 0 ? e.what() : std::string("--initial-cluster: ") + e.what());
  }
  nc.cluster_token = flags.initial_cluster_token;
  nc.join_existing = flags.initial_cluster_state == "existing";
  nc.listen_peer_host = flags.listen_peer_urls.front().host;
  nc.listen_peer_port = static_cast<std::uint16_t>(flags.listen_peer_urls.front().port);
  nc.listen_peer_tls = flags.listen_peer_urls.front().tls();
  // TLS between members, when the peer urls are https (the flags checked the files).
  if (nc.listen_peer_tls) {
    nc.peer_tls.enabled = true;
    auto peer_tls = flags.peer_tls;
    if (peer_tls.auto_tls && peer_tls.cert_file.empty()) {
      // etcd's --peer-auto-tls: a certificate of its own in the data
      // directory, which no member checks (so no CA).
      std::vector<std::string> hosts;
      for (const auto& u : flags.listen_peer_urls) hosts.push_back(u.host);
      std::string tls_error;
      if (!acord::server::make_self_signed(flags.data_dir + "/fixtures/peer", hosts, peer_tls, tls_error)) {
        return fail(tls_error);
      }
      peer_tls.trusted_ca_file.clear();
    }
    nc.peer_tls.cert_file = peer_tls.cert_file;
    nc.peer_tls.key_file = peer_tls.key_file;
    nc.peer_tls.trusted_ca_file = peer_tls.trusted_ca_file;
  }
  // TLS for clients: etcd's --auto-tls makes a certificate for the hosts the
  // member listens on, in the data directory.
  auto client_tls = flags.client_tls;
  std::set<std::string> revoked;
  {
    std::string tls_error;
    if (client_tls.auto_tls && client_tls.cert_file.empty()) {
      std::vector<std::string> hosts;
      for (const auto& u : flags.listen_client_urls) hosts.push_back(u.host);
      if (!acord::server::make_self_signed(flags.data_dir + "/fixtures/client", hosts, client_tls, tls_error)) {
        return fail(tls_error);
      }
    }
    if (!client_tls.crl_file.empty()) {
      auto serials = acord::server::revoked_serials(client_tls.crl_file, tls_error);
      if (!serials) return fail(tls_error);
      revoked = std::move(*serials);
    }
    if (!flags.cipher_suites.empty()) {
      // gRPC reads its TLS 1.2 cipher list from the environment, once.
      setenv("GRPC_SSL_CIPHER_SUITES", acord::server::openssl_cipher_list(flags.cipher_suites, tls_error)->c_str(), 1);
    }
  }
  nc.heartbeat_interval_ms = flags.heartbeat_interval_ms;
  nc.election_timeout_ms = flags.election_timeout_ms;
  for (const auto& u : flags.advertise_client_urls) nc.advertise_client_urls.push_back(u.text);
  for (const auto& u : flags.initial_advertise_peer_urls) nc.advertise_peer_urls.push_back(u.text);
  nc.max_request_bytes = flags.max_request_bytes;
  nc.quota_bytes = flags.quota_backend_bytes;
  nc.max_txn_ops = flags.max_txn_ops;
  nc.snapshot_count = flags.snapshot_count;
  nc.watch_progress_notify_ms = static_cast<int>(flags.watch_progress_notify_ms);  // 0: etcd's 10 minutes
  nc.version = etcd_api_version;

  // A member removed from the cluster stops, as etcd's does.
  nc.on_removed = [] { kill(getpid(), SIGTERM); };

  if (flags.initial_corrupt_check) {
    nc.before_start = [client_tls](const acord::actors::StartingState& s) {
      return acord::server::check_initial_hash_kv(s, std::chrono::milliseconds(acord::limits::request_timeout_ms),
                                                  client_tls);
    };
  }

  std::string error;
  auto node = acord::actors::Node::start(nc, error);
  if (!node) return fail(error);

  grpc::ServerBuilder builder;
  acord::server::GrpcFront front(*node, builder, acord::server::GrpcFront::default_threads());
  std::vector<int> bound(flags.listen_client_urls.size(), 0);
  for (std::size_t i = 0; i < flags.listen_client_urls.size(); ++i) {
    std::string tls_error;
    auto credentials = acord::server::client_credentials(flags.listen_client_urls[i], client_tls, revoked, tls_error);
    if (!credentials) return fail(flags.listen_client_urls[i].text + ": " + tls_error);
    builder.AddListeningPort(flags.listen_client_urls[i].host_port(), credentials, &bound[i]);
  }
  // gRPC's own limit sits above ours so that an oversize request gets etcd's
  // "request is too large" from our check rather than a transport error.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(flags.max_request_bytes + acord::limits::grpc_overhead_bytes));
  builder.SetMaxSendMessageSize(INT32_MAX);
  auto server = builder.BuildAndStart();
  for (std::size_t i = 0; i < bound.size(); ++i) {
    if (!server || bound[i] == 0) {
      if (server) {
        // Drained while the server lives: gRPC's own waiting requests refer to it.
        server->Shutdown();
        front.stop(std::chrono::steady_clock::now());
      }
      return fail("cannot listen for clients on " + flags.listen_client_urls[i].text +
                  " (address in use or not local)");
    }
  }
  front.start();
  log_info("enabled capabilities for version 3.4");
  log_info("published {Name:" + flags.name + " ClientURLs:[" + nc.advertise_client_urls.front() +
           "]} to cluster " + acord::cluster::to_hex(node->cluster_id()));
  for (const auto& u : flags.listen_client_urls) {
    log_info("ready to serve client requests on " + u.host_port() + " (member " +
             acord::cluster::to_hex(node->member_id()) + ")");
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
  // A leader hands over first (as etcd's Stop does): its followers then need
  // not wait out an election timeout, and the writes it holds meanwhile go on
  // to the new leader and are answered here.
  node->hand_over_leadership(std::chrono::milliseconds(2 * flags.election_timeout_ms));
  // gRPC takes no new calls from here. Those in flight get a second to finish;
  // those still waiting then (for a leader that a removed member will never
  // hear from, say) are answered "server stopped". gRPC cancels what is left
  // at its deadline, which lies past both: by then only the streams remain
  // (the unary calls' answers are sent), so no call hears "Cancelling all
  // calls" in place of its own answer.
  const auto grace = std::chrono::milliseconds(1000);
  const auto answer_time = std::chrono::milliseconds(1000);
  const auto stream_time = std::chrono::milliseconds(500);
  auto shutdown = std::async(std::launch::async, [&] {
    server->Shutdown(std::chrono::system_clock::now() + grace + answer_time + stream_time);
  });
  if (!node->finish_calls(grace, answer_time)) log_warn("stopping: some calls were not answered in time");
  shutdown.wait();
  if (!front.stop(std::chrono::steady_clock::now() + answer_time)) {
    // A call's answer never came: gRPC would crash on it once its queue or
    // the server were gone. Everything acknowledged is on disk already.
    log_warn("stopping: some calls were never answered; exiting without closing the data directory");
    std::fflush(nullptr);
    std::_Exit(0);
  }
  server.reset();
  node.reset();  // closes the data directory: everything acknowledged is on disk
  // gRPC's library teardown takes over a second and holds nothing we need.
  std::fflush(nullptr);
  std::_Exit(0);
}
