#include "actors/peer_transport.hpp"

#include <caf/openssl/manager.hpp>

#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/cluster/url.hpp"
#include "protocol/raft_wire.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<PeerTransportState>;

// Reconnect quickly after a first failure, then back off (to 1 s).
std::chrono::milliseconds backoff(int failures) {
  return std::chrono::milliseconds(std::min(1000, 50 << std::min(failures, 5)));
}

// The peer, if it is still a member (it may be removed while a connection
// attempt or a retry is on its way).
PeerTransportState::Peer* find_peer(Self* self, raft::NodeId id) {
  auto it = self->state.peers.find(id);
  return it == self->state.peers.end() ? nullptr : &it->second;
}

// A connection to the peer is up (ours, or the one it made to us).
void set_active(Self* self, PeerTransportState::Peer& p, raft::NodeId id, caf::actor remote, const char* how) {
  p.remote = std::move(remote);
  p.failures = 0;
  p.handshake_refused = false;
  self->monitor(p.remote);
  log_info("peer " + cluster::to_hex(id) + " became active" + how);
}

void connect(Self* self, raft::NodeId id) {
  auto* found = find_peer(self, id);
  if (found == nullptr) return;
  auto& peer = *found;
  if (peer.remote || peer.connecting) return;
  peer.connecting = true;
  auto& sys = self->system();
  if (peer.address.tls && !sys.has_openssl_manager()) {
    // Only when the flags give no peer TLS but a member's url is https.
    peer.connecting = false;
    if (peer.failures++ == 0) log_warn("peer " + peer.address.host + ":" + std::to_string(peer.address.port) +
                                       " has an https url, but this member has no peer TLS (--peer-cert-file or "
                                       "--peer-auto-tls)");
    return;
  }
  auto mm = peer.address.tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  self->request(mm, std::chrono::seconds(2), caf::connect_atom::value, peer.address.host, peer.address.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto* found = find_peer(self, id);
            if (found == nullptr) return;
            auto& p = *found;
            p.connecting = false;
            if (!ptr) {
              ++p.failures;
              self->delayed_send(self, backoff(p.failures), connect_retry_atom::value, id);
              return;
            }
            set_active(self, p, id, caf::actor_cast<caf::actor>(ptr), "");
            // The other side may use this connection at once, whether or not
            // its own connection to us comes up.
            self->send(p.remote, peer_atom::value, self->state.args.cluster_id, self->state.args.self_id,
                       static_cast<std::uint8_t>(PeerFrame::hello), std::string());
          },
          [=](caf::error& e) {
            auto* found = find_peer(self, id);
            if (found == nullptr) return;
            auto& p = *found;
            p.connecting = false;
            if (e == caf::sec::disconnect_during_handshake && p.address.tls && !p.handshake_refused) {
              // Once per streak: the TLS handshake failed (a certificate one
              // side cannot verify, or none).
              p.handshake_refused = true;
              log_warn("peer " + cluster::to_hex(id) + " at " + p.address.host + ":" + std::to_string(p.address.port) +
                       ": TLS handshake refused (a certificate that --peer-trusted-ca-file did not sign, on either "
                       "side?)");
            }
            ++p.failures;
            self->delayed_send(self, backoff(p.failures), connect_retry_atom::value, id);
          });
}

// Sends one frame to a peer; without a connection the frame is lost (Raft and
// the callers resend) and a connection is started.
void send_frame(Self* self, raft::NodeId to, PeerFrame kind, const std::string& bytes) {
  auto it = self->state.peers.find(to);
  if (it == self->state.peers.end()) return;
  if (!it->second.remote) {
    connect(self, to);
    return;
  }
  self->send(it->second.remote, peer_atom::value, self->state.args.cluster_id, self->state.args.self_id,
             static_cast<std::uint8_t>(kind), bytes);
}

// The peers are the members but this one: new ones are connected to, removed
// ones forgotten (their frames are dropped from now on), moved ones
// reconnected. A member is forgotten only once removed, not when a membership
// without it comes: a new member replays the cluster's older memberships
// while it catches up, and must keep hearing the members that came later.
void set_members(Self* self, const MembershipPtr& membership) {
  auto& st = self->state;
  st.membership = membership;
  std::map<raft::NodeId, PeerAddress> wanted;
  for (const auto& [id, peer] : st.peers) wanted[id] = peer.address;
  for (auto id : membership->removed) {
    wanted.erase(id);
    st.removed.insert(id);
  }
  for (const auto& m : membership->members) {
    if (m.id == st.args.self_id || m.peer_urls.empty() || st.removed.count(m.id)) continue;
    try {
      const auto url = cluster::parse_url(m.peer_urls.front());
      wanted[m.id] = PeerAddress{m.id, url.host, static_cast<std::uint16_t>(url.port), url.tls()};
    } catch (const std::invalid_argument&) {
      log_warn("member " + cluster::to_hex(m.id) + " has a peer url that does not parse: " + m.peer_urls.front());
    }
  }
  for (auto it = st.peers.begin(); it != st.peers.end();) {
    auto w = wanted.find(it->first);
    const bool moved = w != wanted.end() && (w->second.host != it->second.address.host ||
                                             w->second.port != it->second.address.port ||
                                             w->second.tls != it->second.address.tls);
    if (w != wanted.end() && !moved) {
      ++it;
      continue;
    }
    if (it->second.remote) self->demonitor(it->second.remote);
    it = st.peers.erase(it);
  }
  for (const auto& [id, address] : wanted) {
    if (st.peers.count(id)) continue;
    st.peers[id].address = address;
    connect(self, id);
  }
}

// A member that reached us is reachable through the same connection: while
// our own connection to it is not up, we answer through its transport. Our
// connect can stay pending for good when CAF already holds a connection to
// that node from the other side (seen after members were replaced in quick
// succession: two members each waited for the other, and no leader came).
void adopt_sender(Self* self, raft::NodeId from) {
  auto* p = find_peer(self, from);
  if (p == nullptr || p->remote) return;
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  if (sender) set_active(self, *p, from, std::move(sender), " (through its connection)");
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
        for (const auto& m : *msgs) send_frame(self, m.to, PeerFrame::raft, protocol::encode(m));
      },
      [=](frame_atom, raft::NodeId to, std::uint8_t kind, const std::string& bytes) {
        send_frame(self, to, static_cast<PeerFrame>(kind), bytes);
      },
      [=](peer_atom, std::uint64_t cluster_id, raft::NodeId from, std::uint8_t kind, const std::string& bytes) {
        auto& st = self->state;
        if (cluster_id != st.args.cluster_id || !st.peers.count(from)) {
          ++st.dropped_frames;
          return;
        }
        if (kind != static_cast<std::uint8_t>(PeerFrame::raft)) {
          if (kind < static_cast<std::uint8_t>(PeerFrame::raft) ||
              kind > static_cast<std::uint8_t>(PeerFrame::last)) {
            ++st.dropped_frames;
            return;
          }
          adopt_sender(self, from);
          if (auto route = st.args.routes.find(kind); route != st.args.routes.end()) {
            self->send(route->second, frame_atom::value, from, kind, bytes);
          }
          return;
        }
        auto m = protocol::decode_raft_message(bytes);
        if (!m || m->to != st.args.self_id || m->from != from) {
          ++st.dropped_frames;
          return;
        }
        adopt_sender(self, from);
        auto batch = std::make_shared<std::vector<raft::Message>>();
        batch->push_back(std::move(*m));
        self->send(st.args.raft, inbound_atom::value, RaftMessagesPtr(batch));
      },
      [=](connect_retry_atom, raft::NodeId id) { connect(self, id); },
      [=](members_atom, const MembershipPtr& membership) { set_members(self, membership); },
      [=](join_atom) {
        // A member joining the cluster asks who is in it (etcd: GET
        // /members on the peer port), before it has an identity of its own.
        const auto& st = self->state;
        return caf::make_message(st.args.cluster_id,
                                 st.membership ? protocol::encode(*st.membership) : std::string());
      },
      [=](raft_link_atom, const caf::actor& raft) { self->state.args.raft = raft; },
      [=](route_atom, std::uint8_t kind, const caf::actor& to) { self->state.args.routes[kind] = to; },
      [=](get_dropped_atom) { return self->state.dropped_frames; },
  };
}

}  // namespace acord::actors
