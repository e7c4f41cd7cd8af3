#include "storage/etcd_snapshot.hpp"

#include <openssl/sha.h>

#include "core/mvcc/etcd_record.hpp"
#include "leasepb/lease.pb.h"
#include "storage/bbolt_file.hpp"

namespace acord::storage {
namespace {

std::string big_endian(std::uint64_t v) {
  std::string out;
  put_be(out, v);
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
  for (const auto& l : in.leases) {
    leasepb::Lease record;  // as etcd's lessor persists a lease
    record.set_id(l.id);
    record.set_ttl(l.ttl_s);
    leases.emplace_back(big_endian(static_cast<std::uint64_t>(l.id)), record.SerializeAsString());
  }
  b["cluster"].emplace_back("clusterVersion", in.cluster_version);

  std::string file = write_bbolt(b);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(file.data()), file.size(), digest);
  file.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return file;
}

}  // namespace acord::storage
