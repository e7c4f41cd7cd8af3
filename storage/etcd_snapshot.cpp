#include "storage/etcd_snapshot.hpp"

#include <openssl/sha.h>

#include "core/mvcc/etcd_record.hpp"
#include "storage/bbolt_file.hpp"

namespace acord::storage {
namespace {

std::string big_endian(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (56 - 8 * i));
  return out;
}

void varint_field(std::string& out, int field, std::uint64_t v) {
  out.push_back(static_cast<char>(field << 3));  // wire type 0
  do {
    char b = static_cast<char>(v & 0x7F);
    v >>= 7;
    if (v != 0) b = static_cast<char>(b | 0x80);
    out.push_back(b);
  } while (v != 0);
}

// leasepb.Lease {ID = 1, TTL = 2}, as etcd's lessor persists a lease.
std::string lease_value(const LeaseRecord& l) {
  std::string out;
  if (l.id != 0) varint_field(out, 1, static_cast<std::uint64_t>(l.id));
  if (l.ttl_s != 0) varint_field(out, 2, static_cast<std::uint64_t>(l.ttl_s));
  return out;
}

}  // namespace

std::string etcd_snapshot_file(const EtcdSnapshotInput& in) {
  BboltBuckets b;
  for (const char* empty : {"alarm", "auth", "authRoles", "authUsers", "members", "members_removed"}) b[empty];
  auto& keys = b["key"];
  keys.reserve(in.records.size());
  for (const auto& r : in.records) {
    keys.emplace_back(mvcc::etcd_revision_key(r.revision, r.tombstone), mvcc::etcd_record_value(r));
  }
  auto& meta = b["meta"];
  meta.emplace_back("consistent_index", big_endian(in.applied_index));
  if (in.compacted_revision > 0) {
    const auto at = mvcc::etcd_revision_key(mvcc::Revision{in.compacted_revision, 0}, false);
    meta.emplace_back("scheduledCompactRev", at);
    meta.emplace_back("finishedCompactRev", at);
  }
  auto& leases = b["lease"];
  for (const auto& l : in.leases) leases.emplace_back(big_endian(static_cast<std::uint64_t>(l.id)), lease_value(l));
  b["cluster"].emplace_back("clusterVersion", in.cluster_version);

  std::string file = write_bbolt(b);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(file.data()), file.size(), digest);
  file.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return file;
}

}  // namespace acord::storage
