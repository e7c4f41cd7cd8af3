#include "actors/peer_transport.hpp"

#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/cluster/url.hpp"
#include "protocol/raft_wire.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<PeerTransportState>;

// Called on the network's thread with what one read brought from a peer: the
// Raft messages go to the raft actor together, the rest one by one to their
// actors.
void deliver(InboundRoutes& in, raft::NodeId from, std::vector<protocol::Frame>& frames) {
  caf::actor raft;
  std::map<std::uint8_t, caf::actor> routes;
  {
    std::lock_guard<std::mutex> lock(in.mu);
    raft = in.raft;
    routes = in.routes;
  }
  auto batch = std::make_shared<std::vector<raft::Message>>();
  for (auto& f : frames) {
    if (f.kind != PeerFrame::raft) {
      if (auto route = routes.find(static_cast<std::uint8_t>(f.kind)); route != routes.end()) {
        caf::anon_send(route->second, frame_atom::value, from, static_cast<std::uint8_t>(f.kind),
                       std::move(f.payload));
      }
      continue;
    }
    auto m = protocol::decode_raft_message(f.payload);
    if (!m || m->to != in.self_id || m->from != from) {
      ++in.dropped;
      continue;
    }
    batch->push_back(std::move(*m));
  }
  if (!batch->empty() && raft) caf::anon_send(raft, inbound_atom::value, RaftMessagesPtr(std::move(batch)));
}

void send_frames(Self* self, raft::NodeId to, PeerFrame kind, const std::vector<std::string_view>& payloads) {
  auto& st = self->state;
  if (st.args.network && st.peers.count(to)) st.args.network->send(to, kind, payloads);
}

// The peers are the members but this one: new ones are connected to, removed
// ones forgotten (their frames are dropped from now on), moved ones
// reconnected. A member is forgotten only once removed, not when a membership
// without it comes: a new member replays the cluster's older memberships
// while it catches up, and must keep hearing the members that came later.
void set_members(Self* self, const MembershipPtr& membership) {
  auto& st = self->state;
  for (auto id : membership->removed) {
    st.peers.erase(id);
    st.removed.insert(id);
  }
  for (const auto& m : membership->members) {
    if (m.id == st.args.self_id || m.peer_urls.empty() || st.removed.count(m.id)) continue;
    try {
      const auto url = cluster::parse_url(m.peer_urls.front());
      st.peers[m.id] = transport::PeerEndpoint{url.host, static_cast<std::uint16_t>(url.port), url.tls()};
    } catch (const std::invalid_argument&) {
      log_warn("member " + cluster::to_hex(m.id) + " has a peer url that does not parse: " + m.peer_urls.front());
    }
  }
  if (!st.args.network) return;
  st.args.network->set_peers(st.peers);
  // What a member joining is told (etcd: GET /members on the peer port).
  st.args.network->set_join_answer(protocol::encode(*membership));
}

}  // namespace

void send_raft_messages(transport::PeerNetwork& network, const std::vector<raft::Message>& msgs) {
  if (msgs.size() == 1) {
    network.send(msgs.front().to, PeerFrame::raft, protocol::encode(msgs.front()));
    return;
  }
  std::map<raft::NodeId, std::vector<std::string>> by_peer;
  for (const auto& m : msgs) by_peer[m.to].push_back(protocol::encode(m));
  for (const auto& [to, encoded] : by_peer) {
    network.send(to, PeerFrame::raft, std::vector<std::string_view>(encoded.begin(), encoded.end()));
  }
}

caf::behavior peer_transport(Self* self, PeerTransportArgs args) {
  auto& st = self->state;
  st.args = std::move(args);
  st.peers = st.args.peers;
  st.inbound = std::make_shared<InboundRoutes>();
  st.inbound->self_id = st.args.self_id;
  st.inbound->raft = st.args.raft;
  st.inbound->routes = st.args.routes;
  if (st.args.network) {
    st.args.network->set_peers(st.peers);
    st.args.network->set_deliver([in = st.inbound](raft::NodeId from, std::vector<protocol::Frame>& frames) {
      deliver(*in, from, frames);
    });
    // Nothing is handed to actors once this one is gone.
    self->attach_functor([network = st.args.network, in = st.inbound] {
      network->set_deliver({});
      std::lock_guard<std::mutex> lock(in->mu);
      in->raft = caf::actor{};
      in->routes.clear();
    });
  }
  return {
      [=](outbound_atom, const RaftMessagesPtr& msgs) {
        if (self->state.args.network) send_raft_messages(*self->state.args.network, *msgs);
      },
      [=](frame_atom, raft::NodeId to, std::uint8_t kind, const std::string& bytes) {
        send_frames(self, to, static_cast<PeerFrame>(kind), {bytes});
      },
      [=](members_atom, const MembershipPtr& membership) { set_members(self, membership); },
      [=](raft_link_atom, const caf::actor& raft) {
        std::lock_guard<std::mutex> lock(self->state.inbound->mu);
        self->state.inbound->raft = raft;
      },
      [=](route_atom, std::uint8_t kind, const caf::actor& to) {
        std::lock_guard<std::mutex> lock(self->state.inbound->mu);
        self->state.inbound->routes[kind] = to;
      },
      [=](get_dropped_atom) {
        const auto& st = self->state;
        return st.inbound->dropped.load() + (st.args.network ? st.args.network->stats().frames_dropped : 0);
      },
  };
}

}  // namespace acord::actors
