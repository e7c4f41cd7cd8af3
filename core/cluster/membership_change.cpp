#include "core/cluster/membership_change.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/cluster/url.hpp"

namespace acord::cluster {
namespace {

bool urls_valid(const std::vector<std::string>& urls) {
  if (urls.empty()) return false;
  try {
    for (const auto& u : urls) parse_url(u);
  } catch (const std::invalid_argument&) {
    return false;
  }
  return true;
}

// Whether a member other than `except` already uses one of `urls`.
bool peer_url_taken(const std::vector<Member>& members, const std::vector<std::string>& urls, std::uint64_t except) {
  for (const auto& m : members) {
    if (m.id == except) continue;
    for (const auto& u : m.peer_urls) {
      if (std::find(urls.begin(), urls.end(), u) != urls.end()) return true;
    }
  }
  return false;
}

std::vector<Member>::iterator find_member(std::vector<Member>& members, std::uint64_t id) {
  return std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.id == id; });
}

}  // namespace

bool started(const Member& m) { return !m.name.empty(); }

ApiError check_quorum_after(const std::vector<Member>& members, const MemberChange& change) {
  std::size_t count = 0, up = 0;
  for (const auto& m : members) {
    if (change.kind == MemberChange::Kind::remove && m.id == change.member.id) continue;
    ++count;
    if (started(m)) ++up;
  }
  if (change.kind == MemberChange::Kind::add) {
    ++count;  // the new member, not started yet
    // One started member adding a second: how a cluster is rebuilt from a
    // snapshot, so etcd allows it although the two need each other.
    if (up == 1 && count == 2) return errors::ok();
  } else if (change.kind == MemberChange::Kind::update) {
    return errors::ok();  // the voters stay who they are
  }
  return up < count / 2 + 1 ? errors::not_enough_started_members() : errors::ok();
}

ApiError apply_change(std::vector<Member>& members, const MemberChange& change) {
  const auto& c = change.member;
  switch (change.kind) {
    case MemberChange::Kind::add: {
      if (!urls_valid(c.peer_urls)) return errors::member_bad_urls();
      if (find_member(members, c.id) != members.end()) return errors::member_exists();
      if (peer_url_taken(members, c.peer_urls, 0)) return errors::peer_url_exists();
      Member m;
      m.id = c.id;
      m.peer_urls = c.peer_urls;
      std::sort(m.peer_urls.begin(), m.peer_urls.end());
      members.push_back(std::move(m));
      break;
    }
    case MemberChange::Kind::remove: {
      auto it = find_member(members, c.id);
      if (it == members.end()) return errors::member_not_found();
      members.erase(it);
      break;
    }
    case MemberChange::Kind::update: {
      if (!urls_valid(c.peer_urls)) return errors::member_bad_urls();
      auto it = find_member(members, c.id);
      if (it == members.end()) return errors::member_not_found();
      if (peer_url_taken(members, c.peer_urls, c.id)) return errors::peer_url_exists();
      it->peer_urls = c.peer_urls;
      std::sort(it->peer_urls.begin(), it->peer_urls.end());
      break;
    }
  }
  std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
  return errors::ok();
}

std::optional<std::uint64_t> find_joining_member(const std::vector<Member>& flags_cluster, const std::string& name,
                                                 const std::vector<Member>& existing, std::string& error) {
  if (flags_cluster.size() != existing.size()) {
    error = "member count is unequal: --initial-cluster names " + std::to_string(flags_cluster.size()) +
            " members, the cluster has " + std::to_string(existing.size());
    return std::nullopt;
  }
  std::optional<std::uint64_t> self;
  for (const auto& local : flags_cluster) {
    auto wanted = local.peer_urls;
    std::sort(wanted.begin(), wanted.end());
    auto it = std::find_if(existing.begin(), existing.end(), [&](const Member& m) {
      auto urls = m.peer_urls;
      std::sort(urls.begin(), urls.end());
      return urls == wanted;
    });
    if (it == existing.end()) {
      error = "unmatched member while checking PeerURLs: no member of the cluster has the peer urls --initial-cluster "
              "gives " + local.name;
      return std::nullopt;
    }
    if (local.name == name) {
      if (started(*it)) {
        error = "member " + to_hex(it->id) + " has already been bootstrapped";
        return std::nullopt;
      }
      self = it->id;
    }
  }
  if (!self) error = "couldn't find local name \"" + name + "\" in the initial cluster configuration";
  return self;
}

std::vector<std::uint64_t> voter_ids(const std::vector<Member>& members) {
  std::vector<std::uint64_t> ids;
  for (const auto& m : members) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace acord::cluster
