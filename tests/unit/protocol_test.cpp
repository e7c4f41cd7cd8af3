// The msgpack records that Raft entries and peer messages carry: each round
// trips, and anything malformed or of an unknown version is refused.
#include <catch2/catch.hpp>

#include "protocol/msgpack_tuple.hpp"
#include "protocol/peer_frame.hpp"
#include "protocol/proposal.hpp"
#include "protocol/raft_wire.hpp"

using namespace acord;

TEST_CASE("a proposal round-trips and garbage or a foreign version is refused", "[protocol]") {
  protocol::Proposal p;
  p.origin = 7;
  p.id = 42;
  p.kind = protocol::ProposalKind::txn;
  p.payload = std::string("\0\xff bytes", 8);
  auto back = protocol::decode_proposal(protocol::encode(p));
  REQUIRE(back);
  CHECK(back->origin == 7);
  CHECK(back->id == 42);
  CHECK(back->kind == protocol::ProposalKind::txn);
  CHECK(back->payload == p.payload);
  CHECK_FALSE(protocol::decode_proposal("not msgpack"));
  CHECK_FALSE(protocol::decode_proposal(""));
  p.version = 9;
  CHECK_FALSE(protocol::decode_proposal(protocol::encode(p)));
}

TEST_CASE("a proposal's origin and id are read from its front, whatever their width", "[protocol]") {
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 255ull, 256ull, 65535ull, 65536ull, 4294967295ull,
                          4294967296ull, 18446744073709551615ull}) {
    protocol::Proposal p;
    p.origin = v;
    p.id = v ^ 0x5555;
    p.kind = protocol::ProposalKind::put;
    p.payload = std::string(300, 'x');
    auto peeked = protocol::peek_proposal_origin(protocol::encode(p));
    INFO(v);
    REQUIRE(peeked);
    CHECK(peeked->origin == p.origin);
    CHECK(peeked->id == p.id);
  }
  protocol::Proposal p;
  p.origin = 70000;
  p.id = 3;
  const auto bytes = protocol::encode(p);
  for (std::size_t n = 0; n < 8; ++n) CHECK_FALSE(protocol::peek_proposal_origin(bytes.substr(0, n)));  // cut short
  auto other_version = bytes;
  other_version[1] = 2;
  CHECK_FALSE(protocol::peek_proposal_origin(other_version));
  CHECK_FALSE(protocol::peek_proposal_origin("garbage"));
}

TEST_CASE("a membership change round-trips, and a damaged one does not decode", "[protocol]") {
  cluster::MemberChange c{cluster::MemberChange::Kind::update, {42, "", {"http://a:1", "http://b:1"}, {}}};
  auto back = protocol::decode_member_change(protocol::encode(c));
  REQUIRE(back);
  CHECK(back->kind == cluster::MemberChange::Kind::update);
  CHECK(back->member.id == 42);
  CHECK(back->member.peer_urls.size() == 2);
  auto bytes = protocol::encode(c);
  CHECK_FALSE(protocol::decode_member_change(bytes.substr(0, bytes.size() - 3)));
  CHECK_FALSE(protocol::decode_member_change(protocol::encode(protocol::Membership{})));
  c.kind = static_cast<cluster::MemberChange::Kind>(9);
  CHECK_FALSE(protocol::decode_member_change(protocol::encode(c)));
}

TEST_CASE("membership and member attributes round-trip", "[protocol]") {
  protocol::Membership m;
  m.cluster_id = 99;
  m.members.push_back({1, "a", {"http://a:2380"}, {"http://a:2379"}});
  auto back = protocol::decode_membership(protocol::encode(m));
  REQUIRE(back);
  CHECK(back->cluster_id == 99);
  REQUIRE(back->members.size() == 1);
  CHECK(back->members[0].peer_urls.at(0) == "http://a:2380");
  protocol::MemberAttributes attrs;
  attrs.member_id = 1;
  attrs.name = "a";
  attrs.client_urls = {"http://x:1", "http://y:2"};
  auto a = protocol::decode_member_attributes(protocol::encode(attrs));
  REQUIRE(a);
  CHECK(a->client_urls.size() == 2);
  CHECK_FALSE(protocol::decode_member_attributes(protocol::encode(m)));  // a record of another kind
  m.removed = {7, 8};
  auto with_removed = protocol::decode_membership(protocol::encode(m));
  REQUIRE(with_removed);
  CHECK(with_removed->removed == std::vector<std::uint64_t>{7, 8});
  // Written before members could be removed: three fields.
  std::vector<std::tuple<std::uint64_t, std::string, std::vector<std::string>, std::vector<std::string>>> members{
      {1, "a", {"http://a:2380"}, {}}};
  auto old = protocol::decode_membership(
      protocol::pack_tuple(std::make_tuple(std::uint8_t{1}, std::uint64_t{99}, members)));
  REQUIRE(old);
  CHECK(old->members.size() == 1);
  CHECK(old->removed.empty());
}

TEST_CASE("a raft message with entries round-trips", "[protocol][raft]") {
  raft::Message m;
  m.type = raft::Message::Type::append;
  m.from = 1;
  m.to = 2;
  m.term = 5;
  m.log_term = 4;
  m.index = 10;
  m.commit = 9;
  m.reject = true;
  m.reject_hint = 8;
  m.context = 77;
  m.entries = {raft::Entry{5, 11, raft::EntryType::normal, "x"}, raft::Entry{5, 12, raft::EntryType::membership, ""}};
  auto back = protocol::decode_raft_message(protocol::encode(m));
  REQUIRE(back);
  CHECK(back->type == m.type);
  CHECK(back->from == 1);
  CHECK(back->to == 2);
  CHECK(back->term == 5);
  CHECK(back->log_term == 4);
  CHECK(back->index == 10);
  CHECK(back->commit == 9);
  CHECK(back->reject);
  CHECK(back->reject_hint == 8);
  CHECK(back->context == 77);
  CHECK(back->entries == m.entries);
}

TEST_CASE("a raft message that is malformed, truncated or of an unknown type is refused", "[protocol][raft]") {
  raft::Message m;
  m.entries = {raft::Entry{1, 1, raft::EntryType::normal, "payload"}};
  const auto bytes = protocol::encode(m);
  CHECK_FALSE(protocol::decode_raft_message(bytes.substr(0, bytes.size() / 2)));
  CHECK_FALSE(protocol::decode_raft_message("\x93\x01\x02"));
  CHECK_FALSE(protocol::decode_raft_message(protocol::encode(protocol::Proposal{})));
  std::string bad_type = bytes;
  bad_type[2] = 0x7f;  // the type byte, past the last known message type
  CHECK_FALSE(protocol::decode_raft_message(bad_type));
}

TEST_CASE("peer frames: cut from a stream in any pieces - a header past the limit or of an unknown kind is refused",
          "[protocol]") {
  using protocol::PeerFrame;
  std::string stream;
  protocol::append_frame(stream, PeerFrame::hello, protocol::encode(protocol::Hello{1, 99, 1, 2}));
  protocol::append_frame(stream, PeerFrame::raft, std::string("\0raft bytes", 11));
  protocol::append_frame(stream, PeerFrame::snapshot_chunk, "");
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    protocol::FrameReader reader(64);
    std::vector<protocol::Frame> frames;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      REQUIRE(reader.feed(stream.data() + at, std::min(piece, stream.size() - at)));
      while (auto f = reader.next()) frames.push_back(std::move(*f));
    }
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].kind == PeerFrame::hello);
    auto hello = protocol::decode_hello(frames[0].payload);
    REQUIRE(hello);
    CHECK(hello->cluster_id == 99);
    CHECK(hello->from == 1);
    CHECK(hello->to == 2);
    CHECK(frames[1].kind == PeerFrame::raft);
    CHECK(frames[1].payload == std::string("\0raft bytes", 11));
    CHECK(frames[2].payload.empty());
    CHECK(reader.partial_bytes() == 0);
  }
  SECTION("past the limit: refused on the header, before the payload is held") {
    protocol::FrameReader reader(64);
    const std::string header("\0\0\0\x41\x01", 5);  // 65 bytes
    CHECK_FALSE(reader.feed(header.data(), header.size()));
    CHECK(reader.failed());
    CHECK(reader.error().find("past the limit of 64") != std::string::npos);
    CHECK(reader.partial_bytes() <= protocol::peer_frame_header_bytes);
    CHECK_FALSE(reader.feed("x", 1));  // stays refused
  }
  SECTION("an unknown kind, or the kinds no member sends") {
    for (char kind : {'\0', '\x02', '\x0c', '\x4d'}) {
      protocol::FrameReader reader(64);
      const std::string header = std::string("\0\0\0\x01", 4) + kind;
      CHECK_FALSE(reader.feed(header.data(), header.size()));
    }
  }
  SECTION("a partial frame holds only what came") {
    protocol::FrameReader reader(1u << 30);
    const std::string header("\x20\0\0\0\x01xyz", 8);  // announces 512 MiB, sends 3 bytes
    CHECK(reader.feed(header.data(), header.size()));
    CHECK_FALSE(reader.next());
    CHECK(reader.partial_bytes() == 3);
  }
  SECTION("a hello of another version, or garbage, does not decode") {
    CHECK_FALSE(protocol::decode_hello(protocol::encode(protocol::Hello{2, 99, 1, 2})));
    CHECK_FALSE(protocol::decode_hello("\xff\x01"));
    CHECK_FALSE(protocol::decode_join_response("\x93"));
    auto join = protocol::decode_join_response(protocol::encode(protocol::JoinResponse{7, "members"}));
    REQUIRE(join);
    CHECK(join->cluster_id == 7);
    CHECK(join->membership == "members");
  }
}
