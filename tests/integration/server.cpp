#include "server.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace acord::test {

std::string acord_binary() {
  // The fault test may run another build (a deliberately broken one, to show
  // its checks catch the bug).
  const char* other = std::getenv("ACORD_BINARY");
  return other != nullptr && *other != '\0' ? other : ACORD_BINARY;
}
std::string etcd_binary() { return "/usr/bin/etcd"; }

Server::Server(ServerOptions options) : options_(std::move(options)) {
  client_port_ = options_.client_port ? options_.client_port : free_port();
  peer_port_ = options_.peer_port ? options_.peer_port : free_port();
  if (options_.peer_url.empty()) {
    options_.peer_url = options_.peer_scheme + "://" + options_.host + ":" + std::to_string(peer_port_);
  }
  log_path_ = dir_.path + "/server.log";
  start();
  if (options_.wait_ready && !wait_ready()) throw std::runtime_error("server did not become ready; log:\n" + log());
}

Server::~Server() {
  if (child_) {
    kill9();
  }
}

std::vector<std::string> Server::flags() const {
  std::vector<std::string> f = {
      "--name", options_.name,
      "--data-dir", data_dir(),
      "--listen-client-urls", "http://" + endpoint(),
      "--advertise-client-urls", "http://" + endpoint(),
      "--listen-peer-urls", options_.peer_scheme + "://" + options_.host + ":" + std::to_string(peer_port_),
      "--initial-advertise-peer-urls", options_.peer_url,
      "--initial-cluster", options_.initial_cluster.empty() ? options_.name + "=" + options_.peer_url
                                                            : options_.initial_cluster,
  };
  f.insert(f.end(), options_.extra_flags.begin(), options_.extra_flags.end());
  return f;
}

void Server::start() {
  std::vector<std::string> argv = options_.launcher;
  argv.push_back(options_.binary);
  auto f = flags();
  argv.insert(argv.end(), f.begin(), f.end());
  argv.insert(argv.end(), once_flags_.begin(), once_flags_.end());
  once_flags_.clear();
  child_ = std::make_unique<Child>(argv, log_path_);
}

void Server::start_fresh(const std::vector<std::string>& more_flags) {
  if (child_ && child_->running()) kill9();
  std::filesystem::remove_all(data_dir());
  once_flags_ = more_flags;
  start();
}

bool Server::wait_ready(std::chrono::milliseconds deadline) {
  // A fresh channel per probe: a channel that failed to connect while the
  // server was down backs off for seconds before it tries again.
  return wait_until(
      [&] {
        if (!child_->running()) return false;
        auto probe = etcdserverpb::KV::NewStub(grpc::CreateChannel(endpoint(), grpc::InsecureChannelCredentials()));
        etcdserverpb::RangeRequest r;
        r.set_key("health");
        etcdserverpb::RangeResponse out;
        if (!probe->Range(ctx(std::chrono::milliseconds(1000)).get(), r, &out).ok()) return false;
        channel_ = grpc::CreateChannel(endpoint(), grpc::InsecureChannelCredentials());
        kv_ = etcdserverpb::KV::NewStub(channel_);
        maintenance_ = etcdserverpb::Maintenance::NewStub(channel_);
        return true;
      },
      deadline, std::chrono::milliseconds(50));
}

void Server::kill9() {
  child_->signal(SIGKILL);
  child_->wait(std::chrono::seconds(10));
}

int Server::stop() {
  child_->signal(SIGTERM);
  return child_->wait(std::chrono::seconds(15));
}

etcdserverpb::KV::Stub& Server::kv() { return *kv_; }
std::unique_ptr<etcdserverpb::KV::Stub> Server::new_kv() const {
  return etcdserverpb::KV::NewStub(grpc::CreateChannel(endpoint(), grpc::InsecureChannelCredentials()));
}
etcdserverpb::Maintenance::Stub& Server::maintenance() { return *maintenance_; }

std::unique_ptr<grpc::ClientContext> ctx(std::chrono::milliseconds deadline) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + deadline);
  return c;
}

grpc::Status put(etcdserverpb::KV::Stub& kv, const std::string& key, const std::string& value,
                 etcdserverpb::PutResponse* out) {
  etcdserverpb::PutRequest r;
  r.set_key(key);
  r.set_value(value);
  etcdserverpb::PutResponse tmp;
  return kv.Put(ctx(std::chrono::seconds(3)).get(), r, out ? out : &tmp);
}

CommandResult etcdctl(const std::string& endpoint, const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoint, "--dial-timeout=3s", "--command-timeout=5s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, input, std::chrono::seconds(20));
}

}  // namespace acord::test
