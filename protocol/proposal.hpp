#pragma once
// What a Raft entry carries, encoded with msgpack so every member (and every
// later version of acord) reads it the same way. Each record has a version
// field first: a reader rejects versions it does not know instead of guessing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster/cluster_identity.hpp"
#include "core/cluster/membership_change.hpp"

namespace acord::protocol {

enum class ProposalKind : std::uint8_t {
  put = 1,           // payload: etcdserverpb.PutRequest
  delete_range = 2,  // payload: etcdserverpb.DeleteRangeRequest
  txn = 3,           // payload: etcdserverpb.TxnRequest
  compaction = 4,    // payload: etcdserverpb.CompactionRequest
  alarm = 5,         // payload: etcdserverpb.AlarmRequest
  publish = 6,       // payload: MemberAttributes (a member's name and client urls)
  cluster_version = 7,  // payload: the cluster version string
  lease_grant = 8,      // payload: etcdserverpb.LeaseGrantRequest, its ID chosen by the proposer
  lease_revoke = 9,     // payload: etcdserverpb.LeaseRevokeRequest (a client's, or the leader's on expiry)
  member_change = 10,   // payload: MemberChange; carried by a conf_change entry
};

// Whether a proposal of this kind changes the membership (its entry is a
// raft::EntryType::conf_change).
inline bool changes_membership(ProposalKind k) { return k == ProposalKind::member_change; }

struct Proposal {
  static constexpr std::uint8_t current_version = 1;
  std::uint8_t version = current_version;
  std::uint64_t origin = 0;  // member that proposed it
  std::uint64_t id = 0;      // unique per origin: matches the result to its waiting request
  ProposalKind kind = ProposalKind::put;
  std::string payload;
};

struct MemberAttributes {
  static constexpr std::uint8_t current_version = 1;
  std::uint8_t version = current_version;
  std::uint64_t member_id = 0;
  std::string name;
  std::vector<std::string> client_urls;
};

// The cluster's membership, carried by membership entries.
struct Membership {
  static constexpr std::uint8_t current_version = 1;
  std::uint8_t version = current_version;
  std::uint64_t cluster_id = 0;
  std::vector<cluster::Member> members;
  // Members removed over the cluster's life: their peers refuse them from
  // then on (etcd keeps the same list).
  std::vector<std::uint64_t> removed;
};

std::string encode(const Proposal& p);
std::string encode(const MemberAttributes& a);
std::string encode(const Membership& m);
std::string encode(const cluster::MemberChange& c);
// Each decode returns nothing for malformed input or an unknown version.
std::optional<Proposal> decode_proposal(const std::string& bytes);
// Who proposed an entry and its id, read from the front of its bytes without
// decoding (or copying) the payload: how a member finds the requests waiting
// on the entries it commits. Nothing for another version or malformed bytes.
struct ProposalOrigin {
  std::uint64_t origin = 0;
  std::uint64_t id = 0;
};
std::optional<ProposalOrigin> peek_proposal_origin(const std::string& bytes);
std::optional<MemberAttributes> decode_member_attributes(const std::string& bytes);
std::optional<Membership> decode_membership(const std::string& bytes);
std::optional<cluster::MemberChange> decode_member_change(const std::string& bytes);

}  // namespace acord::protocol
