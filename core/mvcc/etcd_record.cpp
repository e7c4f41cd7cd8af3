#include "core/mvcc/etcd_record.hpp"

#include "mvccpb/kv.pb.h"

namespace acord::mvcc {

std::string etcd_revision_key(const Revision& r, bool tombstone) {
  std::string out(tombstone ? 18 : 17, '\0');
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(static_cast<std::uint64_t>(r.main) >> (56 - 8 * i));
    out[static_cast<std::size_t>(9 + i)] = static_cast<char>(static_cast<std::uint64_t>(r.sub) >> (56 - 8 * i));
  }
  out[8] = '_';
  if (tombstone) out[17] = 't';
  return out;
}

std::string etcd_record_value(const Record& r) {
  mvccpb::KeyValue kv;
  kv.set_key(r.kv.key);
  if (!r.tombstone) {
    kv.set_create_revision(r.kv.create_revision);
    kv.set_mod_revision(r.kv.mod_revision);
    kv.set_version(r.kv.version);
    kv.set_value(r.kv.value);
    kv.set_lease(r.kv.lease);
  }
  std::string out;
  kv.SerializeToString(&out);
  return out;
}

std::optional<Revision> parse_etcd_revision_key(const std::string& k, bool& tombstone) {
  if ((k.size() != 17 && k.size() != 18) || k[8] != '_' || (k.size() == 18 && k[17] != 't')) return std::nullopt;
  tombstone = k.size() == 18;
  auto be = [&](std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(k[at + i]);
    return static_cast<std::int64_t>(v);
  };
  return Revision{be(0), be(9)};
}

std::optional<Record> parse_etcd_record(const std::string& key, const std::string& value) {
  Record r;
  auto rev = parse_etcd_revision_key(key, r.tombstone);
  mvccpb::KeyValue kv;
  if (!rev || !kv.ParseFromString(value) || kv.key().empty()) return std::nullopt;
  r.revision = *rev;
  r.kv.key = kv.key();
  r.kv.mod_revision = rev->main;
  if (!r.tombstone) {
    r.kv.value = kv.value();
    r.kv.create_revision = kv.create_revision();
    r.kv.version = kv.version();
    r.kv.lease = kv.lease();
  }
  return r;
}

}  // namespace acord::mvcc
