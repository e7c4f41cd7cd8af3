#include "network.hpp"

#include <unistd.h>

#include "../integration/process.hpp"

namespace acord::fault {

NetnsNetwork::NetnsNetwork(int members) : members_(members) {
  // Names and a subnet of this run's own (the pid keeps parallel runs apart).
  const int id = static_cast<int>(::getpid() % 200);
  tag_ = "acf" + std::to_string(::getpid() % 100000);
  subnet_ = "10.201." + std::to_string(id) + ".";
  if (::geteuid() != 0 || members == 0) return;
  ok_ = run({"ip", "link", "add", tag_ + "br", "type", "bridge"}) &&
        run({"ip", "addr", "add", subnet_ + "254/24", "dev", tag_ + "br"}) &&
        run({"ip", "link", "set", tag_ + "br", "up"});
  for (int i = 0; ok_ && i < members; ++i) {
    const std::string host_end = tag_ + "h" + std::to_string(i), ns_end = tag_ + "n" + std::to_string(i);
    ok_ = run({"ip", "netns", "add", ns(i)}) &&
          run({"ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end}) &&
          run({"ip", "link", "set", ns_end, "netns", ns(i)}) &&
          run({"ip", "link", "set", host_end, "master", tag_ + "br"}) &&
          run({"ip", "link", "set", host_end, "up"}) &&
          run({"ip", "netns", "exec", ns(i), "ip", "addr", "add", address(i) + "/24", "dev", ns_end}) &&
          run({"ip", "netns", "exec", ns(i), "ip", "link", "set", ns_end, "up"}) &&
          run({"ip", "netns", "exec", ns(i), "ip", "link", "set", "lo", "up"});
  }
  if (!ok_) cleanup();
}

NetnsNetwork::~NetnsNetwork() { cleanup(); }

bool NetnsNetwork::run(const std::vector<std::string>& argv) {
  return test::run_command(argv, "", std::chrono::seconds(10)).exit_code == 0;
}

std::string NetnsNetwork::ns(int member) const { return tag_ + "-" + std::to_string(member); }
std::string NetnsNetwork::address(int member) const { return subnet_ + std::to_string(member + 1); }
std::vector<std::string> NetnsNetwork::launcher(int member) const { return {"ip", "netns", "exec", ns(member)}; }

void NetnsNetwork::cut(int a, int b) {
  std::lock_guard<std::mutex> lock(mu_);
  if (a == b || !cuts_.insert({std::min(a, b), std::max(a, b)}).second) return;
  run({"ip", "netns", "exec", ns(a), "ip", "route", "add", "blackhole", address(b) + "/32"});
  run({"ip", "netns", "exec", ns(b), "ip", "route", "add", "blackhole", address(a) + "/32"});
}

void NetnsNetwork::heal() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [a, b] : cuts_) {
    run({"ip", "netns", "exec", ns(a), "ip", "route", "del", "blackhole", address(b) + "/32"});
    run({"ip", "netns", "exec", ns(b), "ip", "route", "del", "blackhole", address(a) + "/32"});
  }
  cuts_.clear();
}

void NetnsNetwork::cleanup() {
  if (::geteuid() != 0 || members_ == 0) return;
  // Deleting a namespace takes its end of the veth pair, and so the pair.
  for (int i = 0; i < members_; ++i) run({"ip", "netns", "del", ns(i)});
  run({"ip", "link", "del", tag_ + "br"});
  ok_ = false;
}

}  // namespace acord::fault
