#pragma once
// A hand-driven network of Raft cores for directed tests: messages move only
// when the test delivers them, and a test can cut links. Committed membership
// entries ("+id", "-id") are applied as the application would.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/raft/raft_core.hpp"

namespace acord::raft::test {

struct Net {
  std::map<NodeId, std::unique_ptr<RaftCore>> nodes;
  std::map<NodeId, std::vector<Entry>> applied;
  std::map<NodeId, std::vector<ReadState>> reads;
  std::vector<Message> wire;
  std::set<NodeId> isolated;  // cut off from everyone, both ways
  bool drop_appends = false;   // lose every append (votes and heartbeats still pass)
  std::vector<NodeId> first_voters;

  explicit Net(int n) {
    std::vector<NodeId> ids;
    for (int i = 1; i <= n; ++i) ids.push_back(static_cast<NodeId>(i));
    first_voters = ids;
    for (NodeId id : ids) {
      Config c;
      c.id = id;
      c.voters = ids;
      c.seed = id * 1000;
      nodes[id] = std::make_unique<RaftCore>(c, Restored{});
    }
  }
  RaftCore& operator[](NodeId id) { return *nodes.at(id); }
  // A node that is not among the voters yet (a member joining the cluster).
  // Its state machine starts where everyone's did: the first voters, which
  // do not name it.
  void add_node(NodeId id) {
    Config c;
    c.id = id;
    c.voters = first_voters;
    c.seed = id * 1000;
    nodes[id] = std::make_unique<RaftCore>(c, Restored{});
  }
  // The application's side of a membership entry ("+id" or "-id").
  static void apply_membership(RaftCore& core, const Entry& e) {
    auto voters = core.voters();
    const NodeId who = std::stoull(e.data.substr(1));
    if (e.data[0] == '+') {
      voters.push_back(who);
    } else {
      voters.erase(std::remove(voters.begin(), voters.end(), who), voters.end());
    }
    core.apply_conf_change(e.index, voters);
  }

  // Persists (trivially: memory) and collects each node's Ready.
  void flush() {
    for (auto& [id, core] : nodes) {
      while (core->has_ready()) {
        Ready rd = core->ready();
        for (auto& m : rd.messages) wire.push_back(m);
        for (auto& e : rd.committed) {
          applied[id].push_back(e);
          if (e.type == EntryType::conf_change) apply_membership(*core, e);
        }
        for (auto& r : rd.read_states) reads[id].push_back(r);
        core->advance(rd);
      }
    }
  }
  // Delivers until the network is quiet.
  void settle() {
    flush();
    for (int round = 0; round < 1000 && !wire.empty(); ++round) {
      auto batch = std::move(wire);
      wire.clear();
      for (auto& m : batch) {
        if (isolated.count(m.from) || isolated.count(m.to)) continue;
        if (drop_appends && m.type == Message::Type::append) continue;
        if (auto to = nodes.find(m.to); to != nodes.end()) to->second->step(m);
      }
      flush();
    }
  }
  void tick_all(int ticks) {
    for (int i = 0; i < ticks; ++i) {
      for (auto& [id, core] : nodes) core->tick();
      settle();
    }
  }
  NodeId leader() {
    NodeId l = 0;
    for (auto& [id, core] : nodes) {
      if (core->role() == Role::leader && !isolated.count(id)) l = id;
    }
    return l;
  }
};


}  // namespace acord::raft::test
