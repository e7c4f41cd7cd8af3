#pragma once
// Every limit acord enforces, in one place, with etcd's defaults. Units are the
// last word of each name. Past a limit a request gets the gRPC status etcd
// returns for it; nothing crashes or hangs.
#include <cstdint>

namespace acord::limits {

// --max-request-bytes: the largest encoded request accepted into the log
// (etcd: embed.DefaultMaxRequestBytes).
inline constexpr std::uint64_t max_request_bytes_default = 1572864;  // 1.5 MiB

// gRPC's own receive limit sits this far above max-request-bytes, so that an
// oversize request reaches our check and gets etcd's "request is too large"
// rather than a transport error (etcd: grpcOverheadBytes).
inline constexpr std::uint64_t grpc_overhead_bytes = 512 * 1024;

// Operations in one txn branch (etcd: --max-txn-ops default).
inline constexpr int max_txn_ops_default = 128;

// --quota-backend-bytes: 0 means this default (etcd: DefaultQuotaBytes).
inline constexpr std::int64_t quota_backend_bytes_default = std::int64_t{2} * 1024 * 1024 * 1024;
// and no quota may exceed etcd's MaxQuotaBytes.
inline constexpr std::int64_t quota_backend_bytes_max = std::int64_t{8} * 1024 * 1024 * 1024;

// Proposals that may wait for commit at once before new writes get
// "etcdserver: too many requests" (etcd: maxGapBetweenApplyAndCommitIndex).
inline constexpr std::uint64_t pending_proposals_max = 5000;

// How long a request waits for its proposal to be applied before the client
// gets "etcdserver: request timed out" (etcd: 5 s default request timeout + 2 s).
inline constexpr int request_timeout_ms = 7000;

// Raft log entries kept behind the durably applied index once the log is
// trimmed, so a lagging follower can still catch up from the log (etcd:
// SnapshotCatchUpEntries). Never more than --snapshot-count.
inline constexpr std::uint64_t raft_log_retain_entries = 5000;
// --snapshot-count: the log is trimmed each time this many entries have been
// applied (etcd: DefaultSnapshotCount).
inline constexpr std::uint64_t snapshot_count_default = 100000;

// Raft timing (etcd's flags and defaults): one tick is a heartbeat interval;
// the election timeout is counted in ticks.
inline constexpr int heartbeat_interval_ms_default = 100;  // --heartbeat-interval
inline constexpr int election_timeout_ms_default = 1000;   // --election-timeout
// etcd refuses an election timeout shorter than five heartbeats.
inline constexpr int election_timeout_min_heartbeats = 5;
static_assert(election_timeout_ms_default >= election_timeout_min_heartbeats * heartbeat_interval_ms_default,
              "an election must outlast several heartbeats");

// The longest lease etcd grants, in seconds (etcd: lease.MaxLeaseTTL).
inline constexpr std::int64_t lease_ttl_s_max = 9000000000;

// A snapshot travels to a lagging member in frames of this size.
inline constexpr std::size_t snapshot_chunk_bytes = 1 << 20;

// Per-record bookkeeping counted against the quota, besides key and value bytes.
inline constexpr std::int64_t mvcc_record_overhead_bytes = 48;

}  // namespace acord::limits
