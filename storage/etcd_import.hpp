#pragma once
// Starting acord from an etcd snapshot: `etcdctl snapshot restore` writes an
// etcd data directory (member/snap/db, a bbolt database, plus a WAL holding
// only the new cluster's members). A fresh acord member pointed at such a
// directory takes the database's keys with their revisions, its leases and
// its compaction point, and builds its own log from its flags, as etcd does
// from the restored WAL.
//
// Only a restored snapshot is taken: its database's applied index equals the
// number of members restore wrote. A live etcd member's directory may hold
// acknowledged writes in its WAL that its database has not applied yet; those
// would be lost, so such a directory is refused with the way to do it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/mvcc/mvcc_store.hpp"
#include "storage/codec.hpp"

namespace acord::storage {

struct EtcdImport {
  std::vector<mvcc::Record> records;  // in revision order
  std::vector<LeaseRecord> leases;
  std::int64_t current_revision = 1;
  std::int64_t compacted_revision = 0;
};

// nullopt with `error` empty: no etcd data here. nullopt with `error` set:
// there is, and it cannot be taken (the reason names the file).
std::optional<EtcdImport> import_etcd_data_dir(const std::string& data_dir, std::size_t members, std::string& error);

// The database bytes alone (for tests): the same checks but the file's.
std::optional<EtcdImport> import_etcd_db(const std::string& db, std::size_t members, std::string& error);

}  // namespace acord::storage
