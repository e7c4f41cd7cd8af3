#include "core/cluster/request_ids.hpp"

#include <algorithm>

namespace acord::cluster {
namespace {
constexpr int suffix_bits = 48;
constexpr std::uint64_t suffix_mask = (std::uint64_t{1} << suffix_bits) - 1;
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;  // lease ids are positive
}  // namespace

LeaseIds lease_ids_for(std::uint64_t member_id, std::uint64_t clock_ms, const std::vector<std::int64_t>& existing) {
  LeaseIds ids;
  ids.prefix = ((member_id & 0xffff) << suffix_bits) & ~sign_bit;
  ids.first_suffix = (clock_ms << 8) & suffix_mask;
  for (auto id : existing) {
    const auto u = static_cast<std::uint64_t>(id);
    if ((u & ~suffix_mask) == ids.prefix) ids.first_suffix = std::max(ids.first_suffix, (u & suffix_mask) + 1);
  }
  return ids;
}

std::int64_t lease_id(const LeaseIds& ids, std::uint64_t suffix) {
  return static_cast<std::int64_t>((ids.prefix | (suffix & suffix_mask)) & ~sign_bit);
}

}  // namespace acord::cluster
