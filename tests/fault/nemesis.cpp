#include "nemesis.hpp"

#include <signal.h>

#include <algorithm>

#include "workload.hpp"

namespace acord::fault {

Nemesis::Nemesis(std::vector<test::Server*> members, std::function<int()> leader, std::uint64_t seed,
                 int election_ms, Partitioner* network)
    : members_(std::move(members)),
      leader_(std::move(leader)),
      rng_(seed),
      election_ms_(election_ms),
      network_(network) {}

// Cuts the network around `target`: alone, with one more member (a minority
// of five), or as the bridge between the two halves of the rest.
void Nemesis::partition(int target) {
  const int n = static_cast<int>(members_.size());
  std::vector<int> others;
  for (int i = 0; i < n; ++i) {
    if (i != target) others.push_back(i);
  }
  std::shuffle(others.begin(), others.end(), rng_);
  const auto shape = rng_() % 3;
  std::string what;
  if (shape == 0) {
    for (int o : others) network_->cut(target, o);
    what = "member " + std::to_string(target) + " cut off from the rest";
  } else if (shape == 1 && n == 5) {
    const int partner = others[0];
    for (std::size_t k = 1; k < others.size(); ++k) {
      network_->cut(target, others[k]);
      network_->cut(partner, others[k]);
    }
    what = "members " + std::to_string(target) + " and " + std::to_string(partner) + " cut off from the rest";
  } else {
    // A bridge: the others split in two halves that reach only `target`.
    const std::size_t half = others.size() / 2;
    for (std::size_t a = 0; a < half; ++a) {
      for (std::size_t b = half; b < others.size(); ++b) network_->cut(others[a], others[b]);
    }
    what = "member " + std::to_string(target) + " the only bridge between two halves";
  }
  note("partition: " + what);
}

// A member removed from the cluster (through another member), and once it
// stopped, added back with an empty data dir: it joins again as a new member
// and catches up from the others.
void Nemesis::replace(int target, const std::string& who) {
  auto* m = members_[static_cast<std::size_t>(target)];
  const auto deadline = std::chrono::seconds(15);
  // Tries each other member in turn until one does it; the last refusal is noted.
  std::string last_error;
  auto through_others = [&](const std::function<grpc::Status(etcdserverpb::Cluster::Stub&)>& call,
                            std::chrono::milliseconds how_long) {
    return test::wait_until(
        [&] {
          for (auto* other : members_) {
            if (other == m) continue;
            auto stub = etcdserverpb::Cluster::NewStub(
                grpc::CreateChannel(other->endpoint(), grpc::InsecureChannelCredentials()));
            const auto st = call(*stub);
            if (st.ok()) return true;
            last_error = st.error_message();
          }
          return false;
        },
        how_long, std::chrono::milliseconds(200));
  };
  std::uint64_t id = 0;
  test::wait_until(
      [&] {
        etcdserverpb::StatusResponse st;
        if (!m->maintenance().Status(test::ctx(std::chrono::seconds(1)).get(), {}, &st).ok()) return false;
        id = st.header().member_id();
        return true;
      },
      deadline, std::chrono::milliseconds(200));
  if (id == 0) {
    note("replace " + who + ": its id is not known; left alone");
    return;
  }
  note("remove " + who);
  const bool removed = through_others([&](etcdserverpb::Cluster::Stub& stub) {
    etcdserverpb::MemberRemoveRequest r;
    r.set_id(id);
    etcdserverpb::MemberRemoveResponse out;
    auto st = stub.MemberRemove(test::ctx(std::chrono::seconds(5)).get(), r, &out);
    // Applied already (an earlier try's answer was lost): done too.
    return st.error_code() == grpc::StatusCode::NOT_FOUND ? grpc::Status::OK : st;
  }, deadline);
  if (!removed) {
    note("remove " + who + ": not done in time (" + last_error + "); left alone");
    return;
  }
  note("removed " + who + "; waiting for it to stop");
  if (m->process()->wait(deadline) < 0) {
    note(who + " did not stop after its removal: killed");
    m->kill9();
  }
  note("add back " + who);
  const bool added = through_others([&](etcdserverpb::Cluster::Stub& stub) {
    etcdserverpb::MemberAddRequest r;
    r.add_peerurls(m->advertised_peer_url());
    etcdserverpb::MemberAddResponse out;
    auto st = stub.MemberAdd(test::ctx(std::chrono::seconds(5)).get(), r, &out);
    return st.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
                   st.error_message() == "etcdserver: Peer URLs already exists"
               ? grpc::Status::OK
               : st;
  }, std::chrono::seconds(60));  // e.g. until a restarted member has published its name (the quorum check counts it)
  if (!added) {
    note("adding " + who + " back failed for a minute (" + last_error + "): the cluster cannot take a member");
    return;
  }
  note("start " + who + " afresh, joining");
  m->start_fresh({"--initial-cluster-state", "existing"});
  m->wait_ready(deadline);
}

Nemesis::~Nemesis() { stop(); }

void Nemesis::start() { thread_ = std::thread([this] { loop(); }); }

void Nemesis::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Nemesis::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void Nemesis::note(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(std::to_string(now_ns() / 1000000) + " ms: " + what);
}

void Nemesis::loop() {
  auto sleep_ms = [&](int ms) {
    // In small steps, so stop() is not kept waiting.
    for (int slept = 0; slept < ms && !stop_; slept += 20) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  while (!stop_) {
    sleep_ms(static_cast<int>(500 + rng_() % 1500));  // quiet between faults
    if (stop_) break;
    const bool on_leader = rng_() % 2 == 0;
    int target = on_leader ? leader_() : -1;
    if (target < 0) target = static_cast<int>(rng_() % members_.size());
    auto* m = members_[static_cast<std::size_t>(target)];
    const std::string who = "member " + std::to_string(target) + (on_leader ? " (leader)" : "");
    const auto dice = rng_() % (network_ ? 4 : 3);
    if (dice == 3 || (dice == 2 && !network_)) {
      replace(target, who);
      ++faults_;
    } else if (dice == 2) {
      note("partitioning around " + who);
      partition(target);
      ++faults_;
      sleep_ms(election_ms_ + static_cast<int>(rng_() % (4 * election_ms_)));
      const int leader_during = leader_();
      network_->heal();
      note("partition healed (leader before healing: member " + std::to_string(leader_during) + ")");
    } else if (dice == 0) {
      note("kill -9 " + who);
      m->kill9();
      ++faults_;
      sleep_ms(static_cast<int>(rng_() % 2000));
      note("restart " + who);
      m->start();
    } else {
      const int pause = election_ms_ + static_cast<int>(rng_() % (2 * election_ms_));
      note("SIGSTOP " + who + " for " + std::to_string(pause) + " ms");
      m->process()->signal(SIGSTOP);
      ++faults_;
      sleep_ms(pause);
      m->process()->signal(SIGCONT);
      note("SIGCONT " + who);
    }
  }
}

}  // namespace acord::fault
