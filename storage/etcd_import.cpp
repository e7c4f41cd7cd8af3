#include "storage/etcd_import.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "mvccpb/kv.pb.h"
#include "storage/bbolt_reader.hpp"

namespace acord::storage {
namespace {

std::uint64_t big_endian(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// A revision as etcd's "key" bucket and its compaction marks spell it.
std::optional<mvcc::Revision> revision_of(const std::string& k, bool& tombstone) {
  if ((k.size() != 17 && k.size() != 18) || k[8] != '_' || (k.size() == 18 && k[17] != 't')) return std::nullopt;
  tombstone = k.size() == 18;
  return mvcc::Revision{static_cast<std::int64_t>(big_endian(k, 0)), static_cast<std::int64_t>(big_endian(k, 9))};
}

// leasepb.Lease: ID = 1, TTL = 2 (varints); other fields are skipped.
std::optional<LeaseRecord> lease_of(const std::string& v) {
  LeaseRecord l;
  std::size_t i = 0;
  auto varint = [&](std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && i < v.size(); shift += 7) {
      const auto b = static_cast<unsigned char>(v[i++]);
      out |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  };
  while (i < v.size()) {
    std::uint64_t tag = 0, value = 0;
    if (!varint(tag) || (tag & 7) != 0 || !varint(value)) return std::nullopt;
    if (tag >> 3 == 1) l.id = static_cast<std::int64_t>(value);
    if (tag >> 3 == 2) l.ttl_s = static_cast<std::int64_t>(value);
  }
  if (l.id == 0) return std::nullopt;
  return l;
}

}  // namespace

std::optional<EtcdImport> import_etcd_db(const std::string& db, std::size_t members, std::string& error) {
  auto buckets = read_bbolt(db, error);
  if (!buckets) return std::nullopt;
  EtcdImport out;
  std::uint64_t consistent_index = 0;
  for (const auto& [k, v] : (*buckets)["meta"]) {
    bool tomb = false;
    if (k == "consistent_index" && v.size() == 8) consistent_index = big_endian(v, 0);
    if ((k == "finishedCompactRev" || k == "scheduledCompactRev")) {
      auto r = revision_of(v, tomb);
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
    bool tombstone = false;
    auto rev = revision_of(k, tombstone);
    mvccpb::KeyValue kv;
    if (!rev || !kv.ParseFromString(v) || kv.key().empty()) {
      return error = "damaged record in the key bucket", std::nullopt;
    }
    mvcc::Record r;
    r.revision = *rev;
    r.tombstone = tombstone;
    r.kv.key = kv.key();
    r.kv.mod_revision = rev->main;
    if (!tombstone) {
      r.kv.value = kv.value();
      r.kv.create_revision = kv.create_revision();
      r.kv.version = kv.version();
      r.kv.lease = kv.lease();
    }
    out.current_revision = std::max(out.current_revision, rev->main);
    out.records.push_back(std::move(r));
  }
  out.current_revision = std::max(out.current_revision, out.compacted_revision);
  for (const auto& [k, v] : (*buckets)["lease"]) {
    auto l = lease_of(v);
    if (!l) return error = "damaged record in the lease bucket", std::nullopt;
    out.leases.push_back(*l);
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
