// The fault test: a cluster of real acord processes, clients and watchers
// working on it while the nemesis kills and pauses members, then checks of
// the recorded history. Run it with scripts/fault-test.sh.
//
//   fault_test [--seconds N] [--seed S] [--members 3|5] [--out DIR] [--partitions auto|proxy]
//              [--snapshot-count N] [--peer-tls yes|no]
//
// The last line it prints:
//   linearizable: yes|no, ops: N, lost: K, watch gaps: G, lock overlaps: L, faults: F
// and the exit code is non-zero on any violation, with the failing part of the
// history written under DIR.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "../integration/server.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "linearizability.hpp"
#include "lock_clients.hpp"
#include "network.hpp"
#include "peer_proxy.hpp"
#include "nemesis.hpp"
#include "workload.hpp"

using namespace acord;
using namespace acord::fault;

namespace {

struct Options {
  std::string partitions = "auto";  // auto: namespaces as root, else the peer proxy
  int seconds = 60;
  std::uint64_t seed = 0;
  int members = 3;
  std::string out;
  int snapshot_count = 0;  // the members' --snapshot-count (0: their default)
  bool peer_tls = false;   // https peer urls with --peer-auto-tls
};

Options parse(int argc, char** argv) {
  Options o;
  o.seed = std::random_device{}();
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("flag " + k + " needs a value");
    const std::string v = argv[i + 1];
    if (k == "--seconds") o.seconds = std::stoi(v);
    else if (k == "--seed") o.seed = std::stoull(v);
    else if (k == "--members") o.members = std::stoi(v);
    else if (k == "--out") o.out = v;
    else if (k == "--partitions") o.partitions = v;
    else if (k == "--snapshot-count") o.snapshot_count = std::stoi(v);
    else if (k == "--peer-tls") o.peer_tls = v == "yes";
    else throw std::invalid_argument("unknown flag " + k);
  }
  if (o.members != 3 && o.members != 5) throw std::invalid_argument("--members must be 3 or 5");
  if (o.partitions != "auto" && o.partitions != "proxy") throw std::invalid_argument("--partitions must be auto or proxy");
  if (o.out.empty()) o.out = "/tmp/acord-fault-" + std::to_string(o.seed);
  return o;
}

constexpr int heartbeat_ms = 50, election_ms = 500;

// Interrupted: stop the members this run started (by pid) and remove the
// namespaces and bridge it made, then exit.
NetnsNetwork* g_network = nullptr;
std::vector<test::Server*> g_members;
void on_interrupt(int) {
  for (auto* m : g_members) {
    if (m->process() != nullptr) ::kill(m->process()->pid(), SIGKILL);
  }
  if (g_network != nullptr) g_network->cleanup();
  std::_Exit(130);
}

struct Cluster {
  std::vector<std::unique_ptr<test::Server>> members;
  std::vector<std::string> endpoints;
  // Each member in its own namespace of `net` if it is available; else on
  // loopback, reaching its peers through `proxy` (advertised ports).
  Cluster(int n, const NetnsNetwork& net, const std::vector<int>& own_peer_ports, const PeerProxy* proxy,
          int snapshot_count, bool peer_tls) {
    const bool netns = net.available() && proxy == nullptr;
    std::vector<int> client, peer;
    std::vector<std::string> host, advertised;
    std::string initial;
    for (int i = 0; i < n; ++i) {
      client.push_back(netns ? 2379 : test::free_port());
      peer.push_back(netns ? 2380 : own_peer_ports[static_cast<std::size_t>(i)]);
      host.push_back(netns ? net.address(i) : "127.0.0.1");
      advertised.push_back((peer_tls ? "https://" : "http://") + host.back() + ":" +
                           std::to_string(proxy ? proxy->port(i) : peer.back()));
      initial += (i ? "," : "") + name(i) + "=" + advertised.back();
    }
    for (int i = 0; i < n; ++i) {
      test::ServerOptions o;
      o.name = name(i);
      o.client_port = client[static_cast<std::size_t>(i)];
      o.peer_port = peer[static_cast<std::size_t>(i)];
      o.host = host[static_cast<std::size_t>(i)];
      o.peer_url = advertised[static_cast<std::size_t>(i)];
      if (netns) o.launcher = net.launcher(i);
      o.initial_cluster = initial;
      o.extra_flags = {"--heartbeat-interval", std::to_string(heartbeat_ms), "--election-timeout",
                       std::to_string(election_ms)};
      if (peer_tls) {
        // Encrypted peer links (etcd's e2e clusters run so by default).
        o.peer_scheme = "https";
        o.extra_flags.push_back("--peer-auto-tls");
      }
      if (snapshot_count > 0) {
        // A short log: members that were down or cut off catch up by snapshot.
        o.extra_flags.insert(o.extra_flags.end(), {"--snapshot-count", std::to_string(snapshot_count)});
      }
      o.wait_ready = false;
      members.push_back(std::make_unique<test::Server>(o));
      endpoints.push_back(members.back()->endpoint());
    }
  }
  static std::string name(int i) { return "f" + std::to_string(i + 1); }
  bool ready(std::chrono::seconds deadline) {
    for (auto& m : members) {
      if (!m->wait_ready(deadline)) return false;
    }
    return true;
  }
  int leader() {
    for (std::size_t i = 0; i < members.size(); ++i) {
      auto stub = etcdserverpb::Maintenance::NewStub(fast_channel(endpoints[i]));
      etcdserverpb::StatusResponse s;
      if (stub->Status(test::ctx(std::chrono::milliseconds(300)).get(), {}, &s).ok() && s.leader() != 0 &&
          s.leader() == s.header().member_id()) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
};

// Marks the end of a history: a last write that no client makes; reading a
// range's history stops at it.
const std::string end_marker = key_prefix + "~end";

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fault_test: " << e.what() << "\n";
    return 2;
  }
  std::cout << "fault test: seed " << o.seed << ", " << o.members << " members, " << o.seconds << " s, out " << o.out
            << std::endl;
  std::filesystem::create_directories(o.out);
  // Partitions: with network namespaces as root, else through a proxy on
  // every peer link.
  NetnsNetwork network(o.partitions == "auto" ? o.members : 0);
  g_network = &network;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  std::vector<int> own_peer_ports;
  for (int i = 0; i < o.members; ++i) own_peer_ports.push_back(test::free_port());
  std::unique_ptr<PeerProxy> proxy;
  if (!network.available()) {
    proxy = std::make_unique<PeerProxy>(own_peer_ports, [] {
      std::vector<pid_t> pids;
      for (auto* m : g_members) pids.push_back(m->process() ? m->process()->pid() : -1);
      return pids;
    });
  }
  std::cout << "partitions: " << (proxy ? "through a proxy on the peer links" : "network namespaces") << std::endl;
  Cluster cluster(o.members, network, own_peer_ports, proxy.get(), o.snapshot_count, o.peer_tls);
  for (auto& m : cluster.members) g_members.push_back(m.get());
  Partitioner* partitioner = proxy ? static_cast<Partitioner*>(proxy.get()) : &network;
  if (!cluster.ready(std::chrono::seconds(30))) {
    std::cerr << "fault_test: the cluster did not start\n";
    return 2;
  }
  Workload workload(cluster.endpoints, 6, 2, 5, o.seed);
  LockClients locks(cluster.endpoints, 3, o.seed);
  std::vector<test::Server*> members;
  for (auto& m : cluster.members) members.push_back(m.get());
  Nemesis nemesis(members, [&] { return cluster.leader(); }, o.seed, election_ms, partitioner);
  workload.start();
  locks.start();
  nemesis.start();
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));  // the length of the run
  nemesis.stop();
  const bool healed = cluster.ready(std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // a last stretch of operations on the healed cluster
  workload.stop();
  locks.stop();

  // The end markers: the store's last writes, after every client stopped.
  std::int64_t final_revision = 0;
  for (const auto& key : {end_marker, fence_end_marker}) {
    for (const auto& e : cluster.endpoints) {
      auto kv = etcdserverpb::KV::NewStub(fast_channel(e));
      etcdserverpb::PutRequest p;
      p.set_key(key);
      etcdserverpb::PutResponse out;
      if (kv->Put(test::ctx(std::chrono::seconds(5)).get(), p, &out).ok()) {
        final_revision = out.header().revision();
        break;
      }
    }
  }
  const auto history = workload.history();
  // Every event of the key set: the reference the watchers are compared with.
  const auto reference = history_until(cluster.endpoints[0], key_prefix, key_prefix_end, end_marker);

  // 1. Linearizability of the KV history. A write whose answer never came
  //    but whose unique value is nowhere in the store's history never took
  //    effect: it is left out, which keeps the search small (each unknown
  //    operation may otherwise be placed anywhere after its call).
  std::set<std::string> ever_written;
  for (const auto& e : reference) {
    if (e.put) ever_written.insert(e.value);
  }
  auto checked = history;
  for (auto& op : checked) {
    const bool writes_value = op.kind == OpKind::put || op.kind == OpKind::cas;
    if (op.outcome == Outcome::unknown && writes_value && !ever_written.count(op.value)) op.outcome = Outcome::failed;
  }
  const auto verdict = check_linearizable(checked);
  // 2. No acknowledged write lost: every value a write was acknowledged for
  //    is in the store's history.
  std::set<std::string> written;
  for (const auto& e : reference) {
    if (e.put) written.insert(e.value);
  }
  std::vector<Op> lost;
  for (const auto& op : history) {
    const bool wrote = op.kind == OpKind::put || (op.kind == OpKind::cas && op.flag);
    if (op.outcome == Outcome::ok && wrote && !written.count(op.value)) lost.push_back(op);
  }
  // 3. Every watch saw the key set's revisions in order, each once, and the
  //    same events as the reference, with no gap.
  std::map<std::int64_t, SeenEvent> by_revision;
  for (const auto& e : reference) by_revision[e.revision] = e;
  std::size_t gaps = 0;
  std::vector<std::string> watch_problems;
  const auto watched = workload.watched();
  for (std::size_t w = 0; w < watched.size(); ++w) {
    std::int64_t previous = 0;
    for (const auto& e : watched[w]) {
      auto it = by_revision.find(e.revision);
      if (e.revision <= previous) {
        ++gaps;
        watch_problems.push_back("watch " + std::to_string(w) + ": revision " + std::to_string(e.revision) +
                                 " after " + std::to_string(previous));
      } else if (it == by_revision.end() || !(it->second == e)) {
        ++gaps;
        watch_problems.push_back("watch " + std::to_string(w) + ": revision " + std::to_string(e.revision) +
                                 " differs from the store's history");
      } else {
        // Every reference event between the previous one and this one was missed.
        for (auto m = by_revision.upper_bound(previous); m != it; ++m) {
          ++gaps;
          watch_problems.push_back("watch " + std::to_string(w) + ": missed revision " +
                                   std::to_string(m->first));
        }
      }
      previous = std::max(previous, e.revision);
    }
  }
  // 4. Revisions a client sees never go backwards (the history holds each
  //    client's operations in the order their answers came).
  std::vector<std::pair<Op, Op>> backwards;  // the earlier answer, the lower one after it
  std::map<int, const Op*> last_answer;
  for (const auto& op : history) {
    if (op.outcome != Outcome::ok) continue;
    auto& last = last_answer[op.client];
    if (last != nullptr && op.revision < last->revision) backwards.emplace_back(*last, op);
    last = &op;
  }

  // 5. Lock holders never overlapped: fenced writes in store order carry
  //    non-decreasing lock revisions.
  std::size_t fenced_writes = 0;
  const auto overlaps = count_lock_overlaps(cluster.endpoints[0], &fenced_writes);

  const bool ok = healed && verdict.linearizable && lost.empty() && gaps == 0 && backwards.empty() && overlaps == 0;
  {
    std::ofstream f(o.out + "/nemesis.log");
    for (const auto& l : nemesis.log()) f << l << "\n";
    if (proxy) f << "peer proxy: " << proxy->links() << " links, " << proxy->unidentified() << " of unknown dialer\n";
  }
  // What each member logged (a replaced member's lives one after another).
  for (std::size_t i = 0; i < cluster.members.size(); ++i) {
    std::ofstream(o.out + "/member-" + std::to_string(i) + ".log") << cluster.members[i]->log();
  }
  if (!ok) {
    std::ofstream f(o.out + "/violations.txt");
    if (!healed) f << "the cluster did not heal within 30 s after the faults stopped\n";
    for (const auto& [key, kv] : verdict.failing) {
      // The operation the search could not place, and the operations on the
      // key within 200 ms of it: the failing part of the history.
      const auto& culprit = kv.ops.at(kv.stuck_op);
      f << "key " << key << (kv.gave_up ? ": undecided (search budget)" : ": not linearizable") << " after "
        << kv.placed_before << " of " << kv.ops.size() << " operations; it cannot place:\n  " << describe(culprit)
        << "\n operations within 200 ms of it:\n";
      constexpr std::int64_t window = 200'000'000;
      for (const auto& op : kv.ops) {
        if (op.invoked_ns > culprit.completed_ns + window) continue;
        if (op.outcome != Outcome::unknown && op.completed_ns < culprit.invoked_ns - window) continue;
        f << "  " << describe(op) << "\n";
      }
    }
    for (const auto& op : lost) f << "lost: " << describe(op) << "\n";
    for (const auto& p : watch_problems) f << p << "\n";
    if (!backwards.empty()) f << backwards.size() << " answers had a revision below the client's previous answer:\n";
    for (const auto& [before, after] : backwards) f << "  " << describe(before) << "\n  then " << describe(after) << "\n";
    if (overlaps) f << overlaps << " fenced writes came from a lock holder older than the one before\n";
    std::cout << "violations written to " << o.out << "/violations.txt" << std::endl;
  }
  std::size_t unknown = 0;
  for (const auto& op : history) unknown += op.outcome == Outcome::unknown ? 1 : 0;
  std::cout << "history: " << history.size() << " operations (" << unknown << " with unknown outcome), "
            << reference.size() << " key-set events, final revision " << final_revision << "; "
            << locks.acquisitions() << " locks taken, " << fenced_writes << " fenced writes; seed " << o.seed
            << std::endl;
  // An undecided search (past its budget) counts as "no": nothing was proven.
  std::cout << "linearizable: " << (verdict.linearizable ? "yes" : "no")
            << ", ops: " << verdict.ops << ", lost: " << lost.size() << ", watch gaps: " << gaps
            << ", lock overlaps: " << overlaps << ", faults: " << nemesis.faults() << std::endl;
  return ok ? 0 : 1;
}
