#pragma once
// A cluster of real server processes (acord, or etcd as the oracle) on
// loopback ports, started with etcd's flags.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "server.hpp"

namespace acord::test {

// Fast timers keep the tests short; the protocol is the same.
inline const std::vector<std::string> fast_timers = {"--heartbeat-interval", "50", "--election-timeout", "500"};

struct TestCluster {
  std::vector<std::unique_ptr<Server>> members;
  std::vector<int> client_ports, peer_ports;
  std::string endpoints() const {
    std::string e;
    for (const auto& m : members) e += (e.empty() ? "" : ",") + m->endpoint();
    return e;
  }

  // Ports may be given (to start another cluster on the same ones).
  explicit TestCluster(int n, std::vector<std::string> flags = {}, std::string binary = acord_binary(),
                       std::vector<int> client = {}, std::vector<int> peer = {}) {
    if (client.empty()) {
      for (int i = 0; i < n; ++i) client.push_back(free_port());
      for (int i = 0; i < n; ++i) peer.push_back(free_port());
    }
    client_ports = client;
    peer_ports = peer;
    std::string initial;
    for (int i = 0; i < n; ++i) {
      initial += (i ? "," : "") + name(i) + "=http://127.0.0.1:" + std::to_string(peer[i]);
    }
    for (int i = 0; i < n; ++i) {
      ServerOptions o;
      o.binary = binary;
      o.name = name(i);
      o.client_port = client[i];
      o.peer_port = peer[i];
      o.peer_url = "http://127.0.0.1:" + std::to_string(peer[i]);
      o.initial_cluster = initial;
      o.extra_flags = with_fast_timers(flags);
      o.wait_ready = false;
      members.push_back(std::make_unique<Server>(o));
    }
    for (auto& m : members) {
      const bool ready = m->wait_ready(std::chrono::seconds(30));
      if (!ready) {
        for (auto& each : members) UNSCOPED_INFO(each->endpoint() << (each->running() ? " running" : " exited")
                                                                   << ", log's end:\n" << tail(each->log(), 40));
      }
      REQUIRE(ready);
    }
  }
  // The last `lines` lines of `text`: what a failed start's report needs.
  static std::string tail(const std::string& text, int lines) {
    std::size_t at = text.size();
    while (lines-- > 0 && at > 0) at = text.rfind('\n', at - 1);
    return at == std::string::npos || at == 0 ? text : text.substr(at + 1);
  }
  static std::string name(int i) { return "m" + std::to_string(i + 1); }
  // `flags` after the fast timers, less a timer `flags` sets itself (a flag
  // may be given once).
  static std::vector<std::string> with_fast_timers(const std::vector<std::string>& flags) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < fast_timers.size(); i += 2) {
      if (std::find(flags.begin(), flags.end(), fast_timers[i]) == flags.end()) {
        out.insert(out.end(), {fast_timers[i], fast_timers[i + 1]});
      }
    }
    out.insert(out.end(), flags.begin(), flags.end());
    return out;
  }

  // The index of the member every running member names as leader, or -1.
  int leader() {
    std::uint64_t agreed = 0;
    for (auto& m : members) {
      if (!m->running()) continue;
      etcdserverpb::StatusResponse s;
      if (!m->maintenance().Status(ctx(std::chrono::seconds(1)).get(), etcdserverpb::StatusRequest{}, &s).ok()) return -1;
      if (s.leader() == 0 || (agreed != 0 && s.leader() != agreed)) return -1;
      agreed = s.leader();
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
      etcdserverpb::StatusResponse s;
      if (members[i]->running() &&
          members[i]->maintenance().Status(ctx(std::chrono::seconds(1)).get(), etcdserverpb::StatusRequest{}, &s).ok() &&
          s.header().member_id() == agreed) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  int wait_leader() {
    int l = -1;
    wait_until([&] { return (l = leader()) >= 0; }, std::chrono::seconds(20), std::chrono::milliseconds(100));
    return l;
  }
};


}  // namespace acord::test
