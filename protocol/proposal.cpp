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
  if (kind < 1 || kind > static_cast<std::uint8_t>(ProposalKind::lease_revoke)) return std::nullopt;
  p.kind = static_cast<ProposalKind>(kind);
  return p;
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
  return pack(std::make_tuple(m.version, m.cluster_id, members));
}

std::optional<Membership> decode_membership(const std::string& bytes) {
  auto t = unpack<std::tuple<std::uint8_t, std::uint64_t, std::vector<MemberTuple>>>(bytes,
                                                                                     Membership::current_version);
  if (!t) return std::nullopt;
  Membership m;
  m.version = std::get<0>(*t);
  m.cluster_id = std::get<1>(*t);
  for (auto& [id, name, peers, clients] : std::get<2>(*t)) m.members.push_back(cluster::Member{id, name, peers, clients});
  return m;
}

}  // namespace acord::protocol
