#include "protocol/proposal.hpp"

#include "protocol/msgpack_tuple.hpp"

namespace acord::protocol {
namespace {

template <class T>
std::string pack(const T& fields) {
  return pack_tuple(fields);
}

// Records travel as msgpack arrays, version first; another version is refused.
template <class Tuple>
std::optional<Tuple> unpack(const std::string& bytes, std::uint8_t expected_version) {
  auto t = unpack_tuple<Tuple>(bytes);
  if (!t || std::get<0>(*t) != expected_version) return std::nullopt;
  return t;
}

using MemberTuple = std::tuple<std::uint64_t, std::string, std::vector<std::string>, std::vector<std::string>>;

}  // namespace

std::string encode(const Proposal& p) {
  return pack(std::make_tuple(p.version, p.origin, p.id, static_cast<std::uint8_t>(p.kind), p.payload));
}

std::optional<Proposal> decode_proposal(const std::string& bytes) {
  auto t = unpack<std::tuple<std::uint8_t, std::uint64_t, std::uint64_t, std::uint8_t, std::string>>(
      bytes, Proposal::current_version);
  if (!t) return std::nullopt;
  Proposal p;
  std::tie(p.version, p.origin, p.id, std::ignore, p.payload) = *t;
  const auto kind = std::get<3>(*t);
  if (kind < 1 || kind > static_cast<std::uint8_t>(ProposalKind::member_change)) return std::nullopt;
  p.kind = static_cast<ProposalKind>(kind);
  return p;
}

namespace {
// A msgpack unsigned integer at `at` (any of its widths), advancing `at`.
std::optional<std::uint64_t> read_uint(const std::string& b, std::size_t& at) {
  if (at >= b.size()) return std::nullopt;
  const auto tag = static_cast<std::uint8_t>(b[at++]);
  if (tag <= 0x7f) return tag;  // positive fixint
  std::size_t width = 0;
  switch (tag) {
    case 0xcc: width = 1; break;
    case 0xcd: width = 2; break;
    case 0xce: width = 4; break;
    case 0xcf: width = 8; break;
    default: return std::nullopt;
  }
  if (b.size() - at < width) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<std::uint8_t>(b[at++]);  // big-endian
  return v;
}
}  // namespace

std::optional<ProposalOrigin> peek_proposal_origin(const std::string& bytes) {
  // encode() writes a 5-element array: version, origin, id, kind, payload.
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != 0x95) return std::nullopt;
  std::size_t at = 1;
  const auto version = read_uint(bytes, at);
  if (!version || *version != Proposal::current_version) return std::nullopt;
  const auto origin = read_uint(bytes, at);
  const auto id = origin ? read_uint(bytes, at) : std::nullopt;
  if (!id) return std::nullopt;
  return ProposalOrigin{*origin, *id};
}

std::string encode(const MemberAttributes& a) {
  return pack(std::make_tuple(a.version, a.member_id, a.name, a.client_urls));
}

std::optional<MemberAttributes> decode_member_attributes(const std::string& bytes) {
  auto t = unpack<std::tuple<std::uint8_t, std::uint64_t, std::string, std::vector<std::string>>>(
      bytes, MemberAttributes::current_version);
  if (!t) return std::nullopt;
  MemberAttributes a;
  std::tie(a.version, a.member_id, a.name, a.client_urls) = *t;
  return a;
}

std::string encode(const Membership& m) {
  std::vector<MemberTuple> members;
  for (const auto& x : m.members) members.emplace_back(x.id, x.name, x.peer_urls, x.client_urls);
  return pack(std::make_tuple(m.version, m.cluster_id, members, m.removed));
}

std::optional<Membership> decode_membership(const std::string& bytes) {
  using Members = std::vector<MemberTuple>;
  Membership m;
  Members members;
  if (auto t = unpack<std::tuple<std::uint8_t, std::uint64_t, Members, std::vector<std::uint64_t>>>(
          bytes, Membership::current_version)) {
    std::tie(m.version, m.cluster_id, members, m.removed) = *t;
  } else if (auto old = unpack<std::tuple<std::uint8_t, std::uint64_t, Members>>(bytes, Membership::current_version)) {
    std::tie(m.version, m.cluster_id, members) = *old;  // written before members could be removed
  } else {
    return std::nullopt;
  }
  for (auto& [id, name, peers, clients] : members) m.members.push_back(cluster::Member{id, name, peers, clients});
  return m;
}

namespace {
constexpr std::uint8_t member_change_version = 1;
}

std::string encode(const cluster::MemberChange& c) {
  const auto& m = c.member;
  return pack(std::make_tuple(member_change_version, static_cast<std::uint8_t>(c.kind),
                              MemberTuple(m.id, m.name, m.peer_urls, m.client_urls)));
}

std::optional<cluster::MemberChange> decode_member_change(const std::string& bytes) {
  auto t = unpack<std::tuple<std::uint8_t, std::uint8_t, MemberTuple>>(bytes, member_change_version);
  if (!t) return std::nullopt;
  const auto kind = std::get<1>(*t);
  if (kind < 1 || kind > static_cast<std::uint8_t>(cluster::MemberChange::Kind::update)) return std::nullopt;
  cluster::MemberChange c;
  c.kind = static_cast<cluster::MemberChange::Kind>(kind);
  auto& [id, name, peers, clients] = std::get<2>(*t);
  c.member = cluster::Member{id, name, peers, clients};
  return c;
}

}  // namespace acord::protocol
