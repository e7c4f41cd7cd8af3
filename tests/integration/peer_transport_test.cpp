// The peer transport between members in this process, over real loopback
// sockets: Raft messages arrive intact, both ways and over TLS; a peer that
// restarts on its port is reached again; a member is forgotten once removed.
// And what a hostile or careless peer sends: a hello of another cluster, a
// frame that does not decode, an unknown kind, a header that announces a
// gigabyte, a connection that never says who it is, more of those than the
// cap. Each is refused or dropped, memory stays where it was, and the link
// between the members keeps working.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <caf/all.hpp>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/peer_transport.hpp"
#include "core/limits.hpp"
#include "process.hpp"
#include "protocol/raft_wire.hpp"
#include "test_certs.hpp"

using namespace acord;
using namespace acord::actors;
using namespace acord::test;
using transport::PeerEndpoint;

namespace {

constexpr std::uint64_t cluster_id = 99;
constexpr std::size_t frame_limit = 2u << 20;

// Collects what a transport hands to its "raft actor".
struct Inbox {
  std::mutex mu;
  std::vector<raft::Message> got;
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
  std::shared_ptr<transport::PeerNetwork> network;
  Inbox inbox;
  caf::actor transport;

  Member(raft::NodeId self, std::uint16_t port, std::map<raft::NodeId, PeerEndpoint> peers,
         const transport::PeerTls* tls = nullptr, int handshake_ms = 5000) {
    cfg.set("scheduler.policy", caf::atom("sharing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    transport::PeerNetworkConfig nc;
    nc.cluster_id = cluster_id;
    nc.self_id = self;
    nc.listen_port = port;
    nc.listen_tls = tls != nullptr;
    nc.tls_configured = tls != nullptr;
    if (tls != nullptr) nc.tls = *tls;
    nc.max_frame_bytes = frame_limit;
    nc.send_queue_bytes_max = 8u << 20;
    nc.handshake_ms = handshake_ms;
    std::string error;
    network = transport::PeerNetwork::start(nc, error);
    REQUIRE(network);
    PeerTransportArgs args;
    args.self_id = self;
    args.cluster_id = cluster_id;
    args.network = network;
    args.peers = std::move(peers);
    args.raft = sys->spawn(inbox_actor, &inbox);
    transport = sys->spawn(peer_transport, args);
  }
  ~Member() {
    caf::anon_send_exit(transport, caf::exit_reason::user_shutdown);
    transport = caf::actor{};
    network->stop();
    sys.reset();
  }
  void send(raft::Message m) {
    auto batch = std::make_shared<std::vector<raft::Message>>();
    batch->push_back(std::move(m));
    caf::anon_send(transport, outbound_atom::value, RaftMessagesPtr(batch));
  }
  bool got(raft::Index index) {
    std::lock_guard<std::mutex> lock(inbox.mu);
    for (const auto& m : inbox.got) {
      if (m.index == index) return true;
    }
    return false;
  }
  std::uint64_t dropped() {
    caf::scoped_actor self{*sys};
    std::uint64_t n = 0;
    self->request(transport, std::chrono::seconds(1), get_dropped_atom::value)
        .receive([&](std::uint64_t x) { n = x; }, [](caf::error&) {});
    return n;
  }
};

raft::Message append(raft::NodeId from, raft::NodeId to, raft::Index index, std::string payload = "") {
  raft::Message m;
  m.type = raft::Message::Type::append;
  m.from = from;
  m.to = to;
  m.term = 3;
  m.index = index;
  m.entries = {raft::Entry{3, index + 1, raft::EntryType::normal,
                           payload.empty() ? "payload " + std::to_string(index) : std::move(payload)}};
  return m;
}

// Sends until the message with this index arrives (the first ones may be lost
// while the link is being set up, as Raft allows).
bool deliver(Member& from, Member& to, raft::NodeId from_id, raft::NodeId to_id, raft::Index index) {
  return wait_until(
      [&] {
        from.send(append(from_id, to_id, index));
        return to.got(index);
      },
      std::chrono::seconds(15), std::chrono::milliseconds(50));
}

PeerEndpoint local(std::uint16_t port, bool tls = false) { return PeerEndpoint{"127.0.0.1", port, tls}; }

// A raw connection to a member's peer port, as a stranger would make one.
struct Raw {
  int fd = -1;
  explicit Raw(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Raw() { ::close(fd); }
  void write(const std::string& bytes) { REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0); }
  // Whether the member closed the connection (reads end, rather than time
  // out; what it wrote before, a keep-alive, is skipped).
  bool closed_by_member() {
    char buf[256];
    for (;;) {
      const auto r = ::recv(fd, buf, sizeof buf, 0);
      if (r > 0) continue;
      return r == 0 || errno == ECONNRESET;
    }
  }
  void hello(std::uint64_t cluster_id, std::uint64_t from, std::uint64_t to) {
    write(protocol::encode_frame(protocol::PeerFrame::hello,
                                 protocol::encode(protocol::Hello{protocol::Hello::current_version, cluster_id, from, to})));
  }
};

std::size_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("peer transport: raft messages cross between members intact, both ways", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb)}});
  Member b(2, pb, {{1, local(pa)}});
  REQUIRE(deliver(a, b, 1, 2, 10));
  REQUIRE(deliver(b, a, 2, 1, 20));
  // A message near the frame limit, in one piece.
  const std::string big(frame_limit - 1024, 'x');
  a.send(append(1, 2, 30, big));
  REQUIRE(wait_until([&] { return b.got(30); }, std::chrono::seconds(10)));
  std::lock_guard<std::mutex> lock(b.inbox.mu);
  const auto& m = b.inbox.got.back();
  CHECK(m.from == 1);
  CHECK(m.to == 2);
  CHECK(m.term == 3);
  REQUIRE(m.entries.size() == 1);
  CHECK(m.entries[0].data == big);
}

TEST_CASE("peer transport: members reach each other over TLS with certificates the CA signed", "[peers][tls]") {
  TestCa ca("members");
  const auto ca_ = ca.issue("a"), cb = ca.issue("b");
  const transport::PeerTls ta{ca_.cert, ca_.key, ca.ca_cert()}, tb{cb.cert, cb.key, ca.ca_cert()};
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb, true)}}, &ta);
  Member b(2, pb, {{1, local(pa, true)}}, &tb);
  REQUIRE(deliver(a, b, 1, 2, 10));
  REQUIRE(deliver(b, a, 2, 1, 20));
  // The port speaks only TLS: a plain hello is refused.
  const auto refused = b.network->stats().connections_refused;
  Raw raw(pb);
  raw.hello(cluster_id, 1, 2);
  CHECK(raw.closed_by_member());
  CHECK(b.network->stats().connections_refused == refused + 1);
}

TEST_CASE("peer transport: hellos of another cluster, frames that do not decode or of unknown kinds are refused",
          "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb)}});
  Member b(2, pb, {{1, local(pa)}});
  REQUIRE(deliver(a, b, 1, 2, 1));
  const auto refused = [&] { return b.network->stats().connections_refused; };
  const auto before = refused();
  {
    Raw other(pb);  // another cluster
    other.hello(12345, 1, 2);
    CHECK(other.closed_by_member());
  }
  {
    Raw wrong(pb);  // meant for another member
    wrong.hello(cluster_id, 1, 7);
    CHECK(wrong.closed_by_member());
  }
  {
    Raw first(pb);  // no hello first
    first.write(protocol::encode_frame(protocol::PeerFrame::raft, protocol::encode(append(1, 2, 5))));
    CHECK(first.closed_by_member());
  }
  {
    Raw unknown(pb);  // a kind no member sends
    unknown.hello(cluster_id, 1, 2);
    unknown.write(std::string("\0\0\0\1\x4dx", 6));
    CHECK(unknown.closed_by_member());
  }
  CHECK(refused() == before + 4);
  {
    // As member 1: a raft frame that does not decode, and one that says it
    // is from member 5, are dropped; the connection stays.
    Raw impostor(pb);
    impostor.hello(cluster_id, 1, 2);
    impostor.write(protocol::encode_frame(protocol::PeerFrame::raft, "\xff garbage"));
    impostor.write(protocol::encode_frame(protocol::PeerFrame::raft, protocol::encode(append(5, 2, 8))));
    REQUIRE(wait_until([&] { return b.dropped() == 2; }, std::chrono::seconds(10)));
    // Not a member at all: its frames are dropped too.
    Raw stranger(pb);
    stranger.hello(cluster_id, 5, 2);
    stranger.write(protocol::encode_frame(protocol::PeerFrame::raft, protocol::encode(append(5, 2, 9))));
    REQUIRE(wait_until([&] { return b.dropped() == 3; }, std::chrono::seconds(10)));
  }
  // The link still works, and nothing of the strangers arrived.
  REQUIRE(deliver(a, b, 1, 2, 2));
  std::lock_guard<std::mutex> lock(b.inbox.mu);
  for (const auto& m : b.inbox.got) CHECK((m.index == 1 || m.index == 2));
}

TEST_CASE("peer transport: a header announcing a gigabyte, or a connection that never says who it is, costs nothing",
          "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb)}});
  Member b(2, pb, {{1, local(pa)}}, nullptr, 300);
  REQUIRE(deliver(a, b, 1, 2, 1));
  const auto rss_before = rss_bytes();
  {
    // Twenty connections each announce a 1 GiB frame (CAF's middleman, the
    // transport before this one, allocated for such a header at once).
    std::vector<std::unique_ptr<Raw>> flood;
    for (int i = 0; i < 20; ++i) {
      flood.push_back(std::make_unique<Raw>(pb));
      flood.back()->hello(cluster_id, 1, 2);
      flood.back()->write(std::string("\x40\0\0\0\x01", 5) + std::string(4096, 'x'));
    }
    for (auto& r : flood) CHECK(r->closed_by_member());
  }
  CHECK(rss_bytes() < rss_before + (20u << 20));
  {
    // A header under the limit that never finishes holds only what came.
    Raw slow(pb);
    slow.hello(cluster_id, 1, 2);
    slow.write(std::string("\0\x1f\0\0\x01", 5) + std::string(100, 'x'));
    REQUIRE(deliver(a, b, 1, 2, 2));
  }
  {
    // Silent connections are closed after the handshake time; past the cap
    // at once.
    const auto cap = limits::peer_unidentified_connections_max;
    std::vector<std::unique_ptr<Raw>> silent;
    for (std::size_t i = 0; i < cap + 3; ++i) silent.push_back(std::make_unique<Raw>(pb));
    const auto start = std::chrono::steady_clock::now();
    for (auto& r : silent) CHECK(r->closed_by_member());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
  // The member still hears its peer.
  REQUIRE(deliver(a, b, 1, 2, 3));
}

TEST_CASE("peer transport: a joining member's question gets the membership the member last set", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {});
  auto m = std::make_shared<protocol::Membership>();
  m->members = {cluster::Member{1, "a", {"http://127.0.0.1:" + std::to_string(pa)}, {}}};
  caf::anon_send(a.transport, members_atom::value, MembershipPtr(m));
  std::optional<protocol::JoinResponse> answer;
  REQUIRE(wait_until(
      [&] {
        answer = transport::ask_join(local(pa), nullptr, std::chrono::seconds(2), frame_limit);
        return answer && !answer->membership.empty();
      },
      std::chrono::seconds(10)));
  CHECK(answer->cluster_id == cluster_id);
  auto got = protocol::decode_membership(answer->membership);
  REQUIRE(got);
  REQUIRE(got->members.size() == 1);
  CHECK(got->members[0].name == "a");
  // Nobody listening: nothing, within the timeout.
  CHECK_FALSE(transport::ask_join(local(static_cast<std::uint16_t>(free_port())), nullptr, std::chrono::seconds(2),
                                  frame_limit));
}

TEST_CASE("peer transport: a peer that restarts on its port is reached again", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb)}});
  auto b = std::make_unique<Member>(2, pb, std::map<raft::NodeId, PeerEndpoint>{{1, local(pa)}});
  REQUIRE(deliver(a, *b, 1, 2, 1));
  b.reset();  // the peer goes away
  b = std::make_unique<Member>(2, pb, std::map<raft::NodeId, PeerEndpoint>{{1, local(pa)}});
  REQUIRE(deliver(a, *b, 1, 2, 2));
}

TEST_CASE("peer transport: a member is forgotten when removed, not when an older membership leaves it out", "[peers]") {
  const auto pa = static_cast<std::uint16_t>(free_port()), pb = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(pb)}});
  Member b(2, pb, {{1, local(pa)}});
  REQUIRE(deliver(a, b, 1, 2, 1));
  auto announce = [&](std::vector<cluster::Member> members, std::vector<std::uint64_t> removed) {
    auto m = std::make_shared<protocol::Membership>();
    m->cluster_id = cluster_id;
    m->members = std::move(members);
    m->removed = std::move(removed);
    caf::anon_send(b.transport, members_atom::value, MembershipPtr(m));
  };
  const cluster::Member member_b{2, "b", {"http://127.0.0.1:" + std::to_string(pb)}, {}};
  // A member catching up replays a membership from before member 1 joined:
  // member 1 is still heard.
  announce({member_b}, {});
  REQUIRE(deliver(a, b, 1, 2, 2));
  // Removed: its frames are dropped from now on (once the removal reaches
  // the links: until the first drop, a message may still get through).
  announce({member_b}, {1});
  REQUIRE(wait_until(
      [&] {
        a.send(append(1, 2, 3));
        return b.dropped() > 0;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)));
  const auto dropped = b.dropped();
  for (int i = 0; i < 10; ++i) a.send(append(1, 2, 50));
  REQUIRE(wait_until([&] { return b.dropped() >= dropped + 10; }, std::chrono::seconds(10)));
  CHECK_FALSE(b.got(50));
}

TEST_CASE("peer transport: a link that brings nothing back is dialed again, and a reader writes keep-alives back",
          "[peers]") {
  // A "peer" that accepts and reads but never answers (its far end gone, as
  // behind a proxy that kept our side open).
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 8) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const auto silent_port = ntohs(addr.sin_port);
  const auto pa = static_cast<std::uint16_t>(free_port());
  Member a(1, pa, {{2, local(silent_port)}});
  timeval tv{10, 0};
  setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const int first = ::accept(listener, nullptr, nullptr);
  REQUIRE(first >= 0);
  const auto accepted = std::chrono::steady_clock::now();
  const int second = ::accept(listener, nullptr, nullptr);  // the redial
  REQUIRE(second >= 0);
  const auto after = std::chrono::steady_clock::now() - accepted;
  CHECK(after >= std::chrono::milliseconds(limits::peer_link_silence_ms - 500));
  CHECK(after < std::chrono::milliseconds(limits::peer_link_silence_ms + 3000));
  ::close(first);
  ::close(second);
  ::close(listener);
  // The other way: a member that reads a link writes keep-alives back on it.
  Raw reader_side(pa);
  reader_side.hello(cluster_id, 2, 1);
  protocol::FrameReader frames(64);
  char buf[64];
  const auto n = ::recv(reader_side.fd, buf, sizeof buf, 0);
  REQUIRE(n > 0);
  REQUIRE(frames.feed(buf, static_cast<std::size_t>(n)));
  auto f = frames.next();
  REQUIRE(f);
  CHECK(f->kind == protocol::PeerFrame::keepalive);
}
