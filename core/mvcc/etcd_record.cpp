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

}  // namespace acord::mvcc
