#include "core/lease/lease_table.hpp"

#include <algorithm>

#include "core/limits.hpp"

namespace acord::lease {

ApiError LeaseTable::grant(LeaseId id, std::int64_t ttl_s, Millis now, std::int64_t* granted_ttl_s) {
  if (id == 0) return errors::lease_not_found();  // ids are chosen before proposing; 0 means none
  if (ttl_s > limits::lease_ttl_s_max) return errors::lease_ttl_too_large();
  if (leases_.count(id)) return errors::lease_exists();
  Lease l;
  l.ttl_s = std::max(ttl_s, min_ttl_s_);
  l.expiry = now + l.ttl_s * 1000;
  if (granted_ttl_s) *granted_ttl_s = l.ttl_s;
  changes_.push_back(LeaseChange{false, id, l.ttl_s});
  leases_.emplace(id, std::move(l));
  return errors::ok();
}

ApiError LeaseTable::revoke(LeaseId id, std::vector<std::string>* keys) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return errors::lease_not_found();
  if (keys) keys->assign(it->second.keys.begin(), it->second.keys.end());
  leases_.erase(it);
  changes_.push_back(LeaseChange{true, id, 0});
  return errors::ok();
}

void LeaseTable::attach(LeaseId id, const std::string& key) {
  auto it = leases_.find(id);
  if (it != leases_.end()) it->second.keys.insert(key);
}

void LeaseTable::detach(LeaseId id, const std::string& key) {
  auto it = leases_.find(id);
  if (it != leases_.end()) it->second.keys.erase(key);
}

ApiError LeaseTable::renew(LeaseId id, Millis now, std::int64_t* ttl_s) {
  auto it = leases_.find(id);
  // An expired lease is as good as revoked: its revocation is on its way.
  if (it == leases_.end() || (primary_ && it->second.expiry <= now)) return errors::lease_not_found();
  it->second.expiry = now + it->second.ttl_s * 1000;
  if (ttl_s) *ttl_s = it->second.ttl_s;
  return errors::ok();
}

std::vector<LeaseId> LeaseTable::expired(Millis now) const {
  std::vector<std::pair<Millis, LeaseId>> due;
  if (!primary_) return {};
  for (const auto& [id, l] : leases_) {
    if (l.expiry <= now) due.emplace_back(l.expiry, id);
  }
  std::sort(due.begin(), due.end());
  std::vector<LeaseId> out;
  for (const auto& [at, id] : due) out.push_back(id);
  return out;
}

void LeaseTable::promote(Millis now, Millis extend_ms) {
  primary_ = true;
  for (auto& [id, l] : leases_) l.expiry = now + l.ttl_s * 1000 + extend_ms;
}

void LeaseTable::restore(const std::vector<std::pair<LeaseId, std::int64_t>>& leases, Millis now) {
  leases_.clear();
  changes_.clear();
  for (const auto& [id, ttl] : leases) {
    Lease l;
    l.ttl_s = ttl;
    l.expiry = now + ttl * 1000;
    leases_.emplace(id, std::move(l));
  }
}

void LeaseTable::demote() { primary_ = false; }

std::optional<LeaseInfo> LeaseTable::info(LeaseId id, Millis now) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return std::nullopt;
  LeaseInfo i;
  i.id = id;
  i.granted_ttl_s = it->second.ttl_s;
  if (primary_) {
    const Millis left = it->second.expiry - now;
    i.remaining_ttl_s = left <= 0 ? -1 : left / 1000;  // whole seconds left, as etcd truncates
  } else {
    i.remaining_ttl_s = it->second.ttl_s;  // a follower does not track expiry
  }
  i.keys.assign(it->second.keys.begin(), it->second.keys.end());
  return i;
}

std::vector<std::pair<LeaseId, std::int64_t>> LeaseTable::granted() const {
  std::vector<std::pair<LeaseId, std::int64_t>> out;
  for (const auto& [id, l] : leases_) out.emplace_back(id, l.ttl_s);
  return out;
}

std::vector<LeaseId> LeaseTable::ids() const {
  std::vector<LeaseId> out;
  for (const auto& [id, l] : leases_) out.push_back(id);
  return out;
}

}  // namespace acord::lease
