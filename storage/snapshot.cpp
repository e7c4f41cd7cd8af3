#include "storage/snapshot.hpp"

#include <msgpack.hpp>

namespace acord::storage {
namespace {
constexpr std::uint8_t snapshot_version = 1;
using SnapshotTuple = std::tuple<std::uint8_t, std::string, std::vector<std::pair<std::string, std::string>>>;
}  // namespace

std::string encode(const Snapshot& s) {
  std::vector<std::pair<std::string, std::string>> records;
  records.reserve(s.records.size());
  for (const auto& r : s.records) records.emplace_back(revision_key(r.revision), encode(r));
  msgpack::sbuffer buf;
  msgpack::pack(buf, SnapshotTuple{snapshot_version, encode(s.state), records});
  return std::string(buf.data(), buf.size());
}

std::optional<Snapshot> decode_snapshot(const std::string& bytes) {
  SnapshotTuple t;
  try {
    auto h = msgpack::unpack(bytes.data(), bytes.size());
    t = h.get().as<SnapshotTuple>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (std::get<0>(t) != snapshot_version) return std::nullopt;
  auto state = decode_apply_state(std::get<1>(t));
  if (!state) return std::nullopt;
  Snapshot s;
  s.state = std::move(*state);
  for (const auto& [key, value] : std::get<2>(t)) {
    auto r = decode_record(key, value);
    if (!r) return std::nullopt;
    s.records.push_back(std::move(*r));
  }
  return s;
}

}  // namespace acord::storage
