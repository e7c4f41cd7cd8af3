// Raft's safety properties (§5.2 election safety, §5.3 log matching, §5.4
// leader completeness, state machine safety) under a seeded simulated network
// with drops, delays, duplicates, reordering, partitions, crashes and restarts;
// then liveness once the faults stop. Every run prints its seed on failure, and
// ACORD_SIM_SEED=<n> replays that one run; ACORD_SIM_RUNS=<n> runs more seeds.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>

#include "raft_sim.hpp"

using namespace acord::raft;
using namespace acord::raft::sim;

namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

// Two fault mixes: the default one, and a harsh one where leaders come and go
// often enough for the rare interleavings (such as §5.4.2's Figure 8) to occur.
Faults faults_for(std::uint64_t seed) {
  if (seed % 4 < 2) return Faults{};
  Faults harsh;
  harsh.drop = 0.2;
  harsh.max_delay_ticks = 6;
  harsh.crash = 0.01;
  harsh.restart = 0.1;
  harsh.partition = 0.03;
  harsh.heal = 0.05;
  harsh.propose = 0.5;
  return harsh;
}

struct RunCounts {
  std::uint64_t snapshots = 0;         // installed
  std::uint64_t membership_changes = 0;  // applied
  std::uint64_t reads = 0;             // read points served
  std::uint64_t follower_reads = 0;    // of them, asked through a follower
  std::uint64_t forwarded = 0;         // proposals committed that a follower forwarded
  std::uint64_t held = 0;              // proposals committed that waited for a leader
};

// A safety phase with faults, then a liveness phase after healing. Returns
// what happened along the way (so the tests can see those paths ran).
RunCounts run_one(int members, std::uint64_t seed, std::uint64_t safety_steps, Faults faults) {
  INFO("SEED=" << seed << " members=" << members << " (replay: ACORD_SIM_SEED=" << seed << ")");
  Cluster c(members, seed, faults);
  try {
    for (std::uint64_t i = 0; i < safety_steps; ++i) c.step();
    c.heal_all();
    // Liveness: a leader everyone follows within bounded ticks, and a new
    // entry committed by it.
    std::uint64_t waited = 0;
    while (c.stable_leader() == 0 && waited++ < 200) c.step();
    REQUIRE(c.stable_leader() != 0);
    const auto before = c.applied_count();
    Index index = 0;
    for (int attempt = 0; attempt < 5 && index == 0; ++attempt) {
      index = c.propose("after-heal");
      c.step();
    }
    REQUIRE(index != 0);
    waited = 0;
    while (c.committed_on_quorum() < index && waited++ < 200) c.step();
    INFO(c.dump());
    CHECK(c.committed_on_quorum() >= index);
    CHECK(c.applied_count() > before);
  } catch (const std::logic_error& e) {
    FAIL(e.what());
  }
  return RunCounts{c.snapshots_installed(),
                   c.membership_changes(),
                   c.reads_served(),
                   c.reads_served_by_followers(),
                   c.committed_proposals(ProposeResult::forwarded),
                   c.committed_proposals(ProposeResult::held)};
}

}  // namespace

TEST_CASE("simulation: 3 and 5 members keep Raft's safety properties under faults, and recover", "[raft][sim]") {
  const auto only = env_or("ACORD_SIM_SEED", 0);
  const auto runs = env_or("ACORD_SIM_RUNS", 2500);
  const auto steps = env_or("ACORD_SIM_STEPS", 2000);
  if (only != 0) {
    run_one(3, only, steps, faults_for(only));
    run_one(5, only, steps, faults_for(only));
    return;
  }
  std::uint64_t snapshots = 0, reads = 0, follower_reads = 0, forwarded = 0, held = 0;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    const auto counts = run_one(seed % 2 ? 3 : 5, seed, steps, faults_for(seed));
    snapshots += counts.snapshots;
    reads += counts.reads;
    follower_reads += counts.follower_reads;
    forwarded += counts.forwarded;
    held += counts.held;
  }
  INFO("snapshots installed: " << snapshots << ", read points served: " << reads << " (" << follower_reads
                               << " through followers); proposals committed after forwarding: " << forwarded
                               << ", after waiting for a leader: " << held);
  // Proposals made on followers were forwarded, and those made without a
  // leader waited for one, and committed, each once.
  CHECK(forwarded > runs * 100);
  CHECK(held > runs);
  // Members that fell behind a trimmed log were brought up by snapshots.
  CHECK(snapshots > runs / 10);
  // Linearizable reads ran all along, most of them through followers.
  CHECK(reads > runs * 100);
  CHECK(follower_reads > reads / 2);
}

TEST_CASE("simulation: members added and removed under faults keep Raft's safety properties", "[raft][sim][membership]") {
  const auto only = env_or("ACORD_SIM_SEED", 0);
  const auto runs = env_or("ACORD_SIM_RUNS", 1000);
  const auto steps = env_or("ACORD_SIM_STEPS", 2000);
  auto run = [&](std::uint64_t seed) {
    auto faults = faults_for(seed);
    faults.reconfigure = 0.02;
    faults.spares = 2;
    return run_one(3, seed, steps, faults);
  };
  if (only != 0) {
    run(only);
    return;
  }
  std::uint64_t changes = 0, forwarded = 0;
  for (std::uint64_t seed = 1; seed <= runs; ++seed) {
    const auto counts = run(seed);
    changes += counts.membership_changes;
    forwarded += counts.forwarded;
  }
  INFO("membership changes applied: " << changes << "; proposals forwarded: " << forwarded);
  CHECK(changes > runs * 3);
}

TEST_CASE("simulation: the same seed gives the same trace", "[raft][sim][determinism]") {
  auto trace = [](std::uint64_t seed) {
    Cluster c(3, seed, Faults{});
    for (int i = 0; i < 800; ++i) c.step();
    return std::make_pair(c.trace_hash(), c.applied_count());
  };
  CHECK(trace(42) == trace(42));
  CHECK(trace(42) != trace(43));
}

TEST_CASE("simulation: without faults a leader is elected and entries commit", "[raft][sim]") {
  Faults none{0, 0, 1, 0, 0, 0, 0, 0, 0};
  Cluster c(3, 7, none);
  std::uint64_t waited = 0;
  while (c.stable_leader() == 0 && waited++ < 100) c.step();
  REQUIRE(c.stable_leader() != 0);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c.propose("e" + std::to_string(i)) != 0);
    c.step();
  }
  for (int i = 0; i < 20; ++i) c.step();
  CHECK(c.applied_count() >= 50);
}
