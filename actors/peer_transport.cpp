#include "actors/peer_transport.hpp"

#include "protocol/raft_wire.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<PeerTransportState>;

// Reconnect quickly after a first failure, then back off (to 1 s).
std::chrono::milliseconds backoff(int failures) {
  return std::chrono::milliseconds(std::min(1000, 50 << std::min(failures, 5)));
}

void connect(Self* self, raft::NodeId id) {
  auto& peer = self->state.peers.at(id);
  if (peer.remote || peer.connecting) return;
  peer.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(2), caf::connect_atom::value, peer.address.host, peer.address.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto& p = self->state.peers.at(id);
            p.connecting = false;
            if (!ptr) {
              ++p.failures;
              self->delayed_send(self, backoff(p.failures), connect_retry_atom::value, id);
              return;
            }
            p.remote = caf::actor_cast<caf::actor>(ptr);
            p.failures = 0;
            self->monitor(p.remote);
          },
          [=](caf::error&) {
            auto& p = self->state.peers.at(id);
            p.connecting = false;
            ++p.failures;
            self->delayed_send(self, backoff(p.failures), connect_retry_atom::value, id);
          });
}

}  // namespace

caf::behavior peer_transport(Self* self, PeerTransportArgs args) {
  self->state.args = std::move(args);
  for (const auto& a : self->state.args.peers) self->state.peers[a.id].address = a;
  for (const auto& a : self->state.args.peers) connect(self, a.id);
  self->set_down_handler([=](const caf::down_msg& dm) {
    for (auto& [id, peer] : self->state.peers) {
      if (peer.remote && peer.remote.address() == dm.source) {
        peer.remote = caf::actor{};
        self->delayed_send(self, backoff(0), connect_retry_atom::value, id);
      }
    }
  });
  return {
      [=](outbound_atom, const RaftMessagesPtr& msgs) {
        for (const auto& m : *msgs) {
          auto it = self->state.peers.find(m.to);
          if (it == self->state.peers.end()) continue;
          if (!it->second.remote) {
            connect(self, m.to);
            continue;  // lost: Raft sends again
          }
          self->send(it->second.remote, peer_atom::value, self->state.args.cluster_id, protocol::encode(m));
        }
      },
      [=](peer_atom, std::uint64_t cluster_id, const std::string& bytes) {
        auto& st = self->state;
        auto m = protocol::decode_raft_message(bytes);
        if (cluster_id != st.args.cluster_id || !m || m->to != st.args.self_id || !st.peers.count(m->from)) {
          ++st.dropped_frames;
          return;
        }
        auto batch = std::make_shared<std::vector<raft::Message>>();
        batch->push_back(std::move(*m));
        self->send(st.args.raft, inbound_atom::value, RaftMessagesPtr(batch));
      },
      [=](connect_retry_atom, raft::NodeId id) { connect(self, id); },
      [=](get_dropped_atom) { return self->state.dropped_frames; },
  };
}

}  // namespace acord::actors
