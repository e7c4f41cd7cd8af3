#pragma once
// Adding, removing and updating one member, as etcd's cluster does it
// (etcd: etcdserver/api/membership/cluster.go): the checks made before a change
// is proposed (--strict-reconfig-check, on by default in etcd), and the change
// itself, applied by every member to its copy of the membership when the entry
// commits. Pure: the apply actor and the tests drive it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster/cluster_identity.hpp"
#include "core/kv/api_error.hpp"

namespace acord::cluster {

struct MemberChange {
  enum class Kind : std::uint8_t { add = 1, remove = 2, update = 3 };
  Kind kind = Kind::add;
  // add: the new member (id, peer urls; no name until it publishes one);
  // remove: the id; update: the id and its new peer urls.
  Member member;
};

// A member that has published its name has started (etcd: IsStarted).
bool started(const Member& m);

// Refuses a change that could leave the cluster without a quorum of started
// members (etcd: IsReadyToAddVotingMember, IsReadyToRemoveVotingMember).
ApiError check_quorum_after(const std::vector<Member>& members, const MemberChange& change);

// Applies `change` to `members` (kept sorted by id, as etcd lists them), or
// leaves them as they were and says why not: an unknown member, a member id
// or peer url already in use, urls that do not parse.
ApiError apply_change(std::vector<Member>& members, const MemberChange& change);

// A member joining a running cluster (--initial-cluster-state existing) finds
// itself among the cluster's members (etcd: ValidateClusterAndAssignIDs): the
// flags' --initial-cluster must list the same members, matched by peer urls
// (ids differ: the cluster chose them), and this member must not have started
// already. Returns its id, or nothing with `error` saying what differs.
std::optional<std::uint64_t> find_joining_member(const std::vector<Member>& flags_cluster, const std::string& name,
                                                 const std::vector<Member>& existing, std::string& error);

// The voters `members` make: their ids, sorted.
std::vector<std::uint64_t> voter_ids(const std::vector<Member>& members);

}  // namespace acord::cluster
