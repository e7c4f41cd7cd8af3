#include "storage/snapshot.hpp"

#include "protocol/msgpack_tuple.hpp"

namespace acord::storage {
namespace {
// Version 2 added the leases.
constexpr std::uint8_t snapshot_version = 2;
using SnapshotTuple = std::tuple<std::uint8_t, std::string, std::vector<std::pair<std::string, std::string>>,
                                 std::vector<std::pair<std::int64_t, std::int64_t>>>;
}  // namespace

std::string encode(const Snapshot& s) {
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(s.records.size());
  for (const auto& r : s.records) records.emplace_back(revision_key(r.revision), encode(r));
  std::vector<std::pair<std::int64_t, std::int64_t>> leases;
  leases.reserve(s.leases.size());
  for (const auto& l : s.leases) leases.emplace_back(l.id, l.ttl_s);
  return protocol::pack_tuple(SnapshotTuple{snapshot_version, encode(s.state), records, leases});
}

std::optional<Snapshot> decode_snapshot(const std::string& bytes) {
  auto decoded = protocol::unpack_tuple<SnapshotTuple>(bytes);
  if (!decoded || std::get<0>(*decoded) != snapshot_version) return std::nullopt;
  auto& t = *decoded;
  auto state = decode_apply_state(std::get<1>(t));
  if (!state) return std::nullopt;
  Snapshot s;
  s.state = std::move(*state);
  for (const auto& [key, value] : std::get<2>(t)) {
    auto r = decode_record(key, value);
    if (!r) return std::nullopt;
    s.records.push_back(std::move(*r));
  }
  for (const auto& [id, ttl] : std::get<3>(t)) s.leases.push_back(LeaseRecord{id, ttl});
  return s;
}

}  // namespace acord::storage
