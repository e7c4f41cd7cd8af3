// The peer transport between two actor systems in this process, over real
// loopback sockets: Raft messages arrive intact, frames of another cluster or
// that do not decode are dropped (and the link keeps working), and a peer that
// restarts on the same port is reached again.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <mutex>

#include "actors/peer_transport.hpp"
#include "protocol/raft_wire.hpp"
#include "process.hpp"

using namespace acord;
using namespace acord::actors;
using namespace acord::test;

namespace {

// Collects what a transport hands to its "raft actor".
struct Inbox {
  std::mutex mu;
  std::vector<raft::Message> got;
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  }
};

caf::behavior inbox_actor(caf::event_based_actor*, Inbox* inbox) {
  return {[=](inbound_atom, const RaftMessagesPtr& msgs) {
    std::lock_guard<std::mutex> lock(inbox->mu);
    inbox->got.insert(inbox->got.end(), msgs->begin(), msgs->end());
  }};
}

struct Member {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  Inbox inbox;
  caf::actor transport;

  Member(raft::NodeId self, std::uint16_t port, std::vector<PeerAddress> peers, std::uint64_t cluster = 99) {
    cfg.load<caf::io::middleman>();
    cfg.set("scheduler.policy", caf::atom("sharing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    PeerTransportArgs args;
    args.self_id = self;
    args.cluster_id = cluster;
    args.peers = std::move(peers);
    args.raft = sys->spawn(inbox_actor, &inbox);
    transport = sys->spawn(peer_transport, args);
    auto published = sys->middleman().publish(transport, port, "127.0.0.1", true);
    REQUIRE(published);
  }
  ~Member() {
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    transport = caf::actor{};
    sys.reset();
  }
  void send(raft::Message m) {
    auto batch = std::make_shared<std::vector<raft::Message>>();
    batch->push_back(std::move(m));
    caf::anon_send(transport, outbound_atom::value, RaftMessagesPtr(batch));
  }
};

raft::Message append(raft::NodeId from, raft::NodeId to, raft::Index index) {
  raft::Message m;
  m.type = raft::Message::Type::append;
  m.from = from;
  m.to = to;
  m.term = 3;
  m.index = index;
  m.entries = {raft::Entry{3, index + 1, raft::EntryType::normal, "payload " + std::to_string(index)}};
  return m;
}

// Sends until the message with this index arrives (the first ones may be lost
// while the link is being set up, as Raft allows).
bool deliver(Member& from, Member& to, raft::NodeId from_id, raft::NodeId to_id, raft::Index index) {
  return wait_until(
      [&] {
        from.send(append(from_id, to_id, index));
        std::lock_guard<std::mutex> lock(to.inbox.mu);
        for (const auto& m : to.inbox.got) {
          if (m.index == index) return true;
        }
        return false;
      },
      std::chrono::seconds(15), std::chrono::milliseconds(50));
}

}  // namespace

TEST_CASE("peer transport: raft messages cross between members intact, both ways", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, "127.0.0.1", pb}});
  Member b(2, pb, {{1, "127.0.0.1", pa}});
  REQUIRE(deliver(a, b, 1, 2, 10));
  REQUIRE(deliver(b, a, 2, 1, 20));
  std::lock_guard<std::mutex> lock(b.inbox.mu);
  const auto& m = b.inbox.got.back();
  CHECK(m.from == 1);
  CHECK(m.to == 2);
  CHECK(m.term == 3);
  REQUIRE(m.entries.size() == 1);
  CHECK(m.entries[0].data == "payload 10");
}

TEST_CASE("peer transport: frames of another cluster or that do not decode are dropped", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, "127.0.0.1", pb}});
  Member b(2, pb, {{1, "127.0.0.1", pa}});
  REQUIRE(deliver(a, b, 1, 2, 1));
  auto remote = a.sys->middleman().remote_actor("127.0.0.1", pb);
  REQUIRE(remote);
  const auto raft_kind = static_cast<std::uint8_t>(PeerFrame::raft);
  caf::anon_send(*remote, peer_atom::value, std::uint64_t{99}, raft::NodeId{1}, raft_kind, std::string("\xff garbage"));
  caf::anon_send(*remote, peer_atom::value, std::uint64_t{12345}, raft::NodeId{1}, raft_kind,
                 protocol::encode(append(1, 2, 7)));  // another cluster
  caf::anon_send(*remote, peer_atom::value, std::uint64_t{99}, raft::NodeId{5}, raft_kind,
                 protocol::encode(append(5, 2, 8)));  // not a member
  caf::anon_send(*remote, peer_atom::value, std::uint64_t{99}, raft::NodeId{1}, std::uint8_t{77},
                 std::string("x"));  // an unknown kind of frame
  caf::scoped_actor self{*b.sys};
  std::uint64_t dropped = 0;
  REQUIRE(wait_until(
      [&] {
        self->request(b.transport, std::chrono::seconds(1), get_dropped_atom::value)
            .receive([&](std::uint64_t n) { dropped = n; }, [](caf::error&) {});
        return dropped == 4;
      },
      std::chrono::seconds(10)));
  // The link still works.
  REQUIRE(deliver(a, b, 1, 2, 2));
  std::lock_guard<std::mutex> lock(b.inbox.mu);
  for (const auto& m : b.inbox.got) CHECK((m.index == 1 || m.index == 2));
}

TEST_CASE("peer transport: a peer that restarts on its port is reached again", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, "127.0.0.1", pb}});
  auto b = std::make_unique<Member>(2, pb, std::vector<PeerAddress>{{1, "127.0.0.1", pa}});
  REQUIRE(deliver(a, *b, 1, 2, 1));
  b.reset();  // the peer goes away
  b = std::make_unique<Member>(2, pb, std::vector<PeerAddress>{{1, "127.0.0.1", pa}});
  REQUIRE(deliver(a, *b, 1, 2, 2));
}

TEST_CASE("peer transport: a member is forgotten when removed, not when an older membership leaves it out", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, "127.0.0.1", pb}});
  Member b(2, pb, {{1, "127.0.0.1", pa}});
  REQUIRE(deliver(a, b, 1, 2, 1));
  auto announce = [&](std::vector<cluster::Member> members, std::vector<std::uint64_t> removed) {
    auto m = std::make_shared<protocol::Membership>();
    m->cluster_id = 99;
    m->members = std::move(members);
    m->removed = std::move(removed);
    caf::anon_send(b.transport, members_atom::value, MembershipPtr(m));
  };
  const cluster::Member member_b{2, "b", {"http://127.0.0.1:" + std::to_string(pb)}, {}};
  // A member catching up replays a membership from before member 1 joined:
  // member 1 is still heard.
  announce({member_b}, {});
  REQUIRE(deliver(a, b, 1, 2, 2));
  // Removed: its frames are dropped from now on.
  announce({member_b}, {1});
  caf::scoped_actor self{*b.sys};
  auto dropped = [&] {
    std::uint64_t n = 0;
    self->request(b.transport, std::chrono::seconds(1), get_dropped_atom::value)
        .receive([&](std::uint64_t x) { n = x; }, [](caf::error&) {});
    return n;
  };
  REQUIRE(wait_until(
      [&] {
        a.send(append(1, 2, 3));
        return dropped() > 0;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)));
  std::lock_guard<std::mutex> lock(b.inbox.mu);
  for (const auto& m : b.inbox.got) CHECK(m.index != 3);
}
