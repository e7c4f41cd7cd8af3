#pragma once
// Member and cluster ids computed exactly as etcd computes them for an initial
// cluster (etcd: etcdserver/api/membership/member.go and cluster.go), so acord
// started with etcd's flags prints the ids etcd would print.
#include <cstdint>
#include <string>
#include <vector>

namespace acord::cluster {

struct Member {
  std::uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;  // known once the member published them
};

// sha1(sorted peer urls concatenated + cluster token), first 8 bytes big-endian.
std::uint64_t member_id(std::vector<std::string> peer_urls, const std::string& token);
// sha1(the sorted member ids, each 8 bytes big-endian), first 8 bytes big-endian.
std::uint64_t cluster_id(std::vector<std::uint64_t> member_ids);

// Parses --initial-cluster ("name=url,name=url2,other=url3"): one member per
// name, each with its peer urls. Throws std::invalid_argument on a malformed
// list, naming the bad part.
std::vector<Member> parse_initial_cluster(const std::string& spec, const std::string& token);

std::string to_hex(std::uint64_t id);

}  // namespace acord::cluster
