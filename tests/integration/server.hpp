#pragma once
// A server under test — acord, or the real etcd as the oracle — started as a
// real process on free loopback ports with etcd's flags, and a small gRPC
// client (our own) to talk to it.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "process.hpp"

namespace acord::test {

std::string acord_binary();  // build/acord, next to the test binaries
std::string etcd_binary();   // /usr/bin/etcd (Debian's etcd-server)

struct ServerOptions {
  std::string binary = acord_binary();
  std::string name = "default";
  // The peer url is only advertised (it names the member); with the same url
  // acord and etcd compute the same member and cluster ids.
  std::string peer_url;
  std::vector<std::string> extra_flags;
  // For members of a cluster: fixed ports, the whole --initial-cluster, and no
  // waiting in the constructor (a member serves only once a quorum runs).
  int client_port = 0, peer_port = 0;
  std::string initial_cluster;
  bool wait_ready = true;
  // Where it listens (the fault test puts members in network namespaces of
  // their own), and what runs it (e.g. "ip netns exec <ns>").
  std::string host = "127.0.0.1";
  // "https" with peer TLS flags in extra_flags (the peer url must say so too).
  std::string peer_scheme = "http";
  std::vector<std::string> launcher;
};

class Server {
 public:
  // Starts the server on a fresh data dir and waits until it serves.
  explicit Server(ServerOptions options = {});
  ~Server();

  // Starts the process again on the same data dir and ports.
  void start();
  // Starts it again on an empty data dir, with more flags this once (a member
  // removed and added back joins with --initial-cluster-state existing).
  void start_fresh(const std::vector<std::string>& more_flags);
  // Waits until a linearizable read succeeds; false at the deadline.
  bool wait_ready(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  void kill9();
  // SIGTERM, then wait; returns the exit code.
  int stop();

  std::string endpoint() const { return options_.host + ":" + std::to_string(client_port_); }
  std::string advertised_peer_url() const { return options_.peer_url; }
  bool running() { return child_ && child_->running(); }
  std::string data_dir() const { return dir_.path + "/data"; }
  std::string log() const { return read_file(log_path_); }
  std::vector<std::string> flags() const;
  Child* process() { return child_.get(); }

  etcdserverpb::KV::Stub& kv();
  etcdserverpb::Maintenance::Stub& maintenance();
  // A fresh stub on a fresh channel (for threads of their own).
  std::unique_ptr<etcdserverpb::KV::Stub> new_kv() const;

 private:
  ServerOptions options_;
  TempDir dir_;
  int client_port_ = 0, peer_port_ = 0;
  std::string log_path_;
  std::unique_ptr<Child> child_;
  std::vector<std::string> once_flags_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;
};

// A client context with a deadline.
std::unique_ptr<grpc::ClientContext> ctx(std::chrono::milliseconds deadline = std::chrono::seconds(5));

// A put with a 3-second deadline.
grpc::Status put(etcdserverpb::KV::Stub& kv, const std::string& key, const std::string& value,
                 etcdserverpb::PutResponse* out = nullptr);

// Runs the real etcdctl against `endpoint`.
CommandResult etcdctl(const std::string& endpoint, const std::vector<std::string>& args, const std::string& input = "");

}  // namespace acord::test
