#pragma once
// How acord's records are laid out in RocksDB: big-endian keys (so RocksDB's
// byte order is numeric order) and msgpack values, each value versioned.
#include <optional>
#include <string>

#include "core/mvcc/mvcc_store.hpp"
#include "core/raft/raft_types.hpp"
#include "protocol/proposal.hpp"

namespace acord::storage {

// Everything the apply side must find again after a restart, written in the
// same batch as the MVCC changes it describes.
struct ApplyState {
  raft::Index applied_index = 0;
  // The term of the entry at applied_index (or of the snapshot installed
  // there): a snapshot of this state names it, and the follower's log
  // restarts after it. Raft's own log may have forgotten that entry (it keeps
  // only a tail of what it handed out, and the apply side can lag). 0 in
  // data written before it was recorded, until the next entry is applied.
  raft::Term applied_term = 0;
  std::int64_t current_revision = 1;
  std::int64_t compacted_revision = 0;
  bool no_space_alarm = false;
  protocol::Membership membership;
  std::string cluster_version;
};

// A granted lease as it is kept durably. Its keys are not stored with it:
// each key's record names its lease, and the attachments are rebuilt from them.
struct LeaseRecord {
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;
  friend bool operator==(const LeaseRecord& a, const LeaseRecord& b) { return a.id == b.id && a.ttl_s == b.ttl_s; }
};

// A change to the durable leases: grant (put) or revoke (remove).
struct LeaseOp {
  bool remove = false;
  LeaseRecord lease;
};

// Who this data directory belongs to, written once at bootstrap or join.
struct Identity {
  std::uint64_t member_id = 0;
  std::uint64_t cluster_id = 0;
  std::string name;
  // Joined a running cluster (its ids came from the cluster, not from the
  // flags): on restart its flags are not checked against its ids.
  bool joined = false;
};

// Where the log starts after trimming.
struct LogStart {
  raft::Index first_index = 1;
  raft::Term term_before_first = 0;
};

// 8 bytes, big-endian (also how etcd's backend writes its indexes and ids).
void put_be(std::string& out, std::uint64_t v);
std::uint64_t get_be(const std::string& s, std::size_t at);  // 8 bytes from `at`

std::string index_key(raft::Index i);
raft::Index index_from_key(const std::string& k);
std::string revision_key(const mvcc::Revision& r);

std::string encode(const raft::Entry& e);
std::optional<raft::Entry> decode_entry(raft::Index index, const std::string& v);
std::string encode(const raft::HardState& hs);
std::optional<raft::HardState> decode_hard_state(const std::string& v);
std::string encode(const LogStart& s);
std::optional<LogStart> decode_log_start(const std::string& v);
std::string encode(const mvcc::Record& r);
std::optional<mvcc::Record> decode_record(const std::string& key, const std::string& v);
std::string encode(const ApplyState& s);
std::optional<ApplyState> decode_apply_state(const std::string& v);
std::string lease_key(std::int64_t id);
std::string encode(const LeaseRecord& l);
std::optional<LeaseRecord> decode_lease(const std::string& key, const std::string& v);
std::string encode(const Identity& id);
std::optional<Identity> decode_identity(const std::string& v);
// The member's start epoch (see cluster::ProposalIds): raised at every start.
std::string encode_start_epoch(std::uint64_t epoch);
std::optional<std::uint64_t> decode_start_epoch(const std::string& v);

}  // namespace acord::storage
