#include "core/cluster/cluster_identity.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace acord::cluster {
namespace {
std::uint64_t first_8_bytes_be(const unsigned char* digest) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}
}  // namespace

std::uint64_t member_id(std::vector<std::string> peer_urls, const std::string& token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const auto& u : peer_urls) b += u;
  b += token;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(b.data()), b.size(), digest);
  return first_8_bytes_be(digest);
}

std::uint64_t cluster_id(std::vector<std::uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string b;
  for (auto id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) b.push_back(static_cast<char>((id >> shift) & 0xff));
  }
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(b.data()), b.size(), digest);
  return first_8_bytes_be(digest);
}

std::vector<Member> parse_initial_cluster(const std::string& spec, const std::string& token) {
  std::map<std::string, std::vector<std::string>> by_name;
  std::vector<std::string> order;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    std::string part = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t eq = part.find('=');
    if (part.empty() || eq == std::string::npos || eq == 0 || eq + 1 == part.size()) {
      throw std::invalid_argument("--initial-cluster: expected name=url, got \"" + part + "\"");
    }
    std::string name = part.substr(0, eq);
    if (!by_name.count(name)) order.push_back(name);
    by_name[name].push_back(part.substr(eq + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<Member> members;
  for (const auto& name : order) {
    Member m;
    m.name = name;
    m.peer_urls = by_name[name];
    std::sort(m.peer_urls.begin(), m.peer_urls.end());
    m.id = member_id(m.peer_urls, token);
    members.push_back(std::move(m));
  }
  return members;
}

std::string to_hex(std::uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

}  // namespace acord::cluster
