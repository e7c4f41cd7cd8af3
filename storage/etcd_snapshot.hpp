#pragma once
// A member's state as etcd 3.4's snapshot file: the bbolt database etcd would
// hold for the same keys, revisions and leases, followed by its SHA-256 (as
// etcd's Maintenance.Snapshot sends it; `etcdctl snapshot restore` checks it).
// Buckets as etcd's backend names them: "key" (every MVCC record, as etcd
// stores it), "meta" (the applied index and the compaction point), "lease",
// "cluster" (the cluster version), and the empty ones etcd creates
// ("alarm", "auth", "authRoles", "authUsers", "members", "members_removed"):
// `etcdctl snapshot restore` writes the members from its own flags.
#include <cstdint>
#include <string>
#include <vector>

#include "core/mvcc/mvcc_store.hpp"
#include "storage/codec.hpp"

namespace acord::storage {

struct EtcdSnapshotInput {
  std::vector<mvcc::Record> records;  // in revision order
  std::vector<LeaseRecord> leases;
  std::uint64_t applied_index = 0;
  std::int64_t compacted_revision = 0;
  std::string cluster_version = "3.4.0";
};

std::string etcd_snapshot_file(const EtcdSnapshotInput& in);

}  // namespace acord::storage
