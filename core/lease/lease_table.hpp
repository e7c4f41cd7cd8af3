#pragma once
// Leases as etcd's lessor keeps them: a granted TTL, the keys attached, and
// (on the leader only) an expiry. Pure: time comes in as milliseconds on the
// caller's monotonic clock, so a test drives expiry tick by tick.
//
// Every member applies grants, revokes and attachments from the log in the
// same order and so holds the same leases. Expiry is the leader's alone: it
// finds expired leases and proposes their revocation through Raft. Followers
// keep leases without an expiry; a new leader gives every lease a full TTL
// from the moment it takes over (etcd's Promote), so a failover never expires
// a lease early.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/kv/api_error.hpp"

namespace acord::lease {

using LeaseId = std::int64_t;
using Millis = std::int64_t;

struct LeaseInfo {
  LeaseId id = 0;
  std::int64_t granted_ttl_s = 0;
  std::int64_t remaining_ttl_s = 0;  // -1 once expired
  std::vector<std::string> keys;     // sorted
};

// A grant or revocation, for the durable mirror (keys are not part of it:
// each key's MVCC record names its lease).
struct LeaseChange {
  bool revoked = false;
  LeaseId id = 0;
  std::int64_t ttl_s = 0;
};

class LeaseTable {
 public:
  // Requests for shorter TTLs get this one (etcd: 1.5 election timeouts, rounded up).
  explicit LeaseTable(std::int64_t min_ttl_s) : min_ttl_s_(min_ttl_s) {}

  // Applied from the log on every member.
  ApiError grant(LeaseId id, std::int64_t ttl_s, Millis now, std::int64_t* granted_ttl_s = nullptr);
  // The keys to delete with the lease (in one revision), or lease_not_found.
  ApiError revoke(LeaseId id, std::vector<std::string>* keys);
  bool exists(LeaseId id) const { return leases_.count(id) != 0; }
  // Keys follow the lease they were last put with (0: none).
  void attach(LeaseId id, const std::string& key);
  void detach(LeaseId id, const std::string& key);

  // Leader only.
  // Extends a lease by its full TTL from now; the TTL granted, or an error.
  ApiError renew(LeaseId id, Millis now, std::int64_t* ttl_s);
  // Leases whose expiry has passed, oldest first (proposed for revocation).
  std::vector<LeaseId> expired(Millis now) const;
  // This member now leads: every lease gets its full TTL plus `extend_ms`
  // (etcd extends by an election timeout) from now. Or it follows: no expiry.
  void promote(Millis now, Millis extend_ms = 0);
  void demote();
  bool primary() const { return primary_; }

  std::optional<LeaseInfo> info(LeaseId id, Millis now) const;
  std::vector<LeaseId> ids() const;
  // Every lease with its granted TTL (what restore() takes back).
  std::vector<std::pair<LeaseId, std::int64_t>> granted() const;
  std::size_t size() const { return leases_.size(); }

  // Grants and revocations since the last call, in order.
  std::vector<LeaseChange> take_changes() { return std::move(changes_); }
  // Replaces every lease (after a restart or a snapshot); keys are attached
  // again by the caller. Keeps the role, and gives a leader's leases a full TTL.
  void restore(const std::vector<std::pair<LeaseId, std::int64_t>>& leases, Millis now);

 private:
  struct Lease {
    std::int64_t ttl_s = 0;
    Millis expiry = 0;  // meaningful only on the leader
    std::set<std::string> keys;
  };
  std::int64_t min_ttl_s_;
  bool primary_ = false;
  std::map<LeaseId, Lease> leases_;
  std::vector<LeaseChange> changes_;
};

}  // namespace acord::lease
