#include "storage/etcd_import.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/mvcc/etcd_record.hpp"
#include "leasepb/lease.pb.h"
#include "storage/bbolt_reader.hpp"

namespace acord::storage {

std::optional<EtcdImport> import_etcd_db(const std::string& db, std::size_t members, std::string& error) {
  auto buckets = read_bbolt(db, error);
  if (!buckets) return std::nullopt;
  EtcdImport out;
  std::uint64_t consistent_index = 0;
  for (const auto& [k, v] : (*buckets)["meta"]) {
    bool tomb = false;
    if (k == "consistent_index" && v.size() == 8) consistent_index = get_be(v, 0);
    if ((k == "finishedCompactRev" || k == "scheduledCompactRev")) {
      auto r = mvcc::parse_etcd_revision_key(v, tomb);
      if (!r) return error = "damaged compaction mark " + k, std::nullopt;
      out.compacted_revision = std::max(out.compacted_revision, r->main);  // etcd finishes a scheduled one
    }
  }
  if (consistent_index != members) {
    error = "it holds a live etcd member's data (applied index " + std::to_string(consistent_index) +
            "): its WAL may hold acknowledged writes its database lacks. Take a snapshot of that member " +
            "(etcdctl snapshot save), restore it (etcdctl snapshot restore) with acord's --name, " +
            "--initial-cluster and --initial-advertise-peer-urls, and start acord on the restored directory";
    return std::nullopt;
  }
  for (const auto& [k, v] : (*buckets)["key"]) {
    auto r = mvcc::parse_etcd_record(k, v);
    if (!r) return error = "damaged record in the key bucket", std::nullopt;
    out.current_revision = std::max(out.current_revision, r->revision.main);
    out.records.push_back(std::move(*r));
  }
  out.current_revision = std::max(out.current_revision, out.compacted_revision);
  for (const auto& [k, v] : (*buckets)["lease"]) {
    leasepb::Lease l;
    if (!l.ParseFromString(v) || l.id() == 0) return error = "damaged record in the lease bucket", std::nullopt;
    out.leases.push_back(LeaseRecord{l.id(), l.ttl()});
  }
  return out;
}

std::optional<EtcdImport> import_etcd_data_dir(const std::string& data_dir, std::size_t members, std::string& error) {
  error.clear();
  const std::string path = data_dir + "/member/snap/db";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto imported = import_etcd_db(bytes.str(), members, error);
  if (!imported) error = path + ": " + error;
  return imported;
}

}  // namespace acord::storage
