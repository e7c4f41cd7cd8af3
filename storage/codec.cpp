#include "storage/codec.hpp"

#include "protocol/msgpack_tuple.hpp"

namespace acord::storage {
namespace {

constexpr std::uint8_t format_version = 1;

template <class... Ts>
std::string pack(const Ts&... fields) {
  return protocol::pack_tuple(std::make_tuple(format_version, fields...));
}

template <class... Ts>
std::optional<std::tuple<std::uint8_t, Ts...>> unpack(const std::string& v) {
  auto t = protocol::unpack_tuple<std::tuple<std::uint8_t, Ts...>>(v);
  if (!t || std::get<0>(*t) != format_version) return std::nullopt;
  return t;
}

}  // namespace

void put_be(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint64_t get_be(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

std::string index_key(raft::Index i) {
  std::string k;
  put_be(k, i);
  return k;
}

raft::Index index_from_key(const std::string& k) { return k.size() == 8 ? get_be(k, 0) : 0; }

std::string revision_key(const mvcc::Revision& r) {
  std::string k;
  put_be(k, static_cast<std::uint64_t>(r.main));
  put_be(k, static_cast<std::uint64_t>(r.sub));
  return k;
}

std::string encode(const raft::Entry& e) {
  return pack(e.term, static_cast<std::uint8_t>(e.type), e.data);
}

std::optional<raft::Entry> decode_entry(raft::Index index, const std::string& v) {
  auto t = unpack<raft::Term, std::uint8_t, std::string>(v);
  if (!t || std::get<2>(*t) > static_cast<std::uint8_t>(raft::EntryType::conf_change)) return std::nullopt;
  return raft::Entry{std::get<1>(*t), index, static_cast<raft::EntryType>(std::get<2>(*t)), std::get<3>(*t)};
}

std::string encode(const raft::HardState& hs) { return pack(hs.term, hs.vote, hs.commit); }

std::optional<raft::HardState> decode_hard_state(const std::string& v) {
  auto t = unpack<raft::Term, raft::NodeId, raft::Index>(v);
  if (!t) return std::nullopt;
  return raft::HardState{std::get<1>(*t), std::get<2>(*t), std::get<3>(*t)};
}

std::string encode(const LogStart& s) { return pack(s.first_index, s.term_before_first); }

std::optional<LogStart> decode_log_start(const std::string& v) {
  auto t = unpack<raft::Index, raft::Term>(v);
  if (!t) return std::nullopt;
  return LogStart{std::get<1>(*t), std::get<2>(*t)};
}

std::string encode(const mvcc::Record& r) {
  return pack(r.tombstone, r.kv.key, r.kv.value, r.kv.create_revision, r.kv.version, r.kv.lease);
}

std::optional<mvcc::Record> decode_record(const std::string& key, const std::string& v) {
  if (key.size() != 16) return std::nullopt;
  auto t = unpack<bool, std::string, std::string, std::int64_t, std::int64_t, std::int64_t>(v);
  if (!t) return std::nullopt;
  mvcc::Record r;
  r.revision = mvcc::Revision{static_cast<std::int64_t>(get_be(key, 0)), static_cast<std::int64_t>(get_be(key, 8))};
  std::tie(std::ignore, r.tombstone, r.kv.key, r.kv.value, r.kv.create_revision, r.kv.version, r.kv.lease) = *t;
  r.kv.mod_revision = r.revision.main;
  return r;
}

std::string encode(const ApplyState& s) {
  return pack(s.applied_index, s.current_revision, s.compacted_revision, s.no_space_alarm,
              protocol::encode(s.membership), s.cluster_version, s.applied_term);
}

std::optional<ApplyState> decode_apply_state(const std::string& v) {
  ApplyState s;
  std::string membership;
  if (auto t = unpack<raft::Index, std::int64_t, std::int64_t, bool, std::string, std::string, raft::Term>(v)) {
    std::tie(std::ignore, s.applied_index, s.current_revision, s.compacted_revision, s.no_space_alarm, membership,
             s.cluster_version, s.applied_term) = *t;
  } else if (auto t6 = unpack<raft::Index, std::int64_t, std::int64_t, bool, std::string, std::string>(v)) {
    // Written before the applied term was recorded: six fields.
    std::tie(std::ignore, s.applied_index, s.current_revision, s.compacted_revision, s.no_space_alarm, membership,
             s.cluster_version) = *t6;
  } else {
    return std::nullopt;
  }
  auto m = protocol::decode_membership(membership);
  if (!m) return std::nullopt;
  s.membership = std::move(*m);
  return s;
}

std::string lease_key(std::int64_t id) {
  std::string k;
  put_be(k, static_cast<std::uint64_t>(id));
  return k;
}

std::string encode(const LeaseRecord& l) { return pack(l.ttl_s); }

std::optional<LeaseRecord> decode_lease(const std::string& key, const std::string& v) {
  auto t = unpack<std::int64_t>(v);
  if (!t || key.size() != 8) return std::nullopt;
  return LeaseRecord{static_cast<std::int64_t>(get_be(key, 0)), std::get<1>(*t)};
}

std::string encode_start_epoch(std::uint64_t epoch) { return pack(epoch); }

std::optional<std::uint64_t> decode_start_epoch(const std::string& v) {
  auto t = unpack<std::uint64_t>(v);
  if (!t) return std::nullopt;
  return std::get<1>(*t);
}

std::string encode(const Identity& id) { return pack(id.member_id, id.cluster_id, id.name, id.joined); }

std::optional<Identity> decode_identity(const std::string& v) {
  if (auto t = unpack<std::uint64_t, std::uint64_t, std::string, bool>(v)) {
    return Identity{std::get<1>(*t), std::get<2>(*t), std::get<3>(*t), std::get<4>(*t)};
  }
  // Written before members could join: three fields.
  auto t = unpack<std::uint64_t, std::uint64_t, std::string>(v);
  if (!t) return std::nullopt;
  return Identity{std::get<1>(*t), std::get<2>(*t), std::get<3>(*t), false};
}

}  // namespace acord::storage
