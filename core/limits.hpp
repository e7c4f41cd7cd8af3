#pragma once
// Every limit acord enforces, in one place, with etcd's defaults. Units are the
// last word of each name. Past a limit a request gets the gRPC status etcd
// returns for it; nothing crashes or hangs.
#include <cstddef>
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
// Past 8 GiB etcd warns that its mmapped bbolt file may outgrow memory; RocksDB
// reads through a bounded cache, so acord takes any quota (issue #16).

// Proposals that may wait for commit at once before new writes get
// "etcdserver: too many requests" (etcd: maxGapBetweenApplyAndCommitIndex).
inline constexpr std::uint64_t pending_proposals_max = 5000;

// How long a request waits for its proposal to be applied before the client
// gets "etcdserver: request timed out" (etcd: 5 s default request timeout + 2 s).
inline constexpr int request_timeout_ms = 7000;
// The same in ticks of `tick_ms` (an actor's timer, or Raft's --heartbeat-interval).
inline constexpr std::uint64_t request_timeout_ticks(int tick_ms) {
  return static_cast<std::uint64_t>(request_timeout_ms / (tick_ms > 0 ? tick_ms : 1));
}
// How often a member looks for reads that waited past that for it to apply
// their read index (a member cut off after it got one).
inline constexpr int read_expiry_check_ms = 1000;
static_assert(read_expiry_check_ms < request_timeout_ms);

// RocksDB memtables of all column families together, bytes (a member's
// recent writes before they are flushed to sorted files).
inline constexpr std::size_t rocksdb_memtables_bytes = 16u << 20;

// CAF's threads for the actors of a member (its work-sharing scheduler). Each
// message between actors on different threads wakes one (a futex and a
// context switch, costly on the virtual machines members often run on), and
// one client's put crosses actors about a dozen times on each member: fewer
// threads, fewer wake-ups. CAF's default is 4 here; 1 would be cheapest, but 2
// keep a long job of one actor (a snapshot built for a follower, a HashKV)
// from holding up the Raft actor's heartbeats. Storage writes have a thread
// of their own.
inline constexpr std::size_t actor_threads = 2;

// Entry bytes in one Raft append or forwarded proposal, though always at
// least one entry (etcd: MaxSizePerMsg, 1 MiB).
inline constexpr std::size_t raft_message_bytes_max = 1u << 20;
// The largest peer frame a member reads: a Raft message of
// raft_message_bytes_max plus one entry of up to --max-request-bytes and the
// framing. A header that announces more closes the connection before any of
// it is held (a snapshot chunk, snapshot_chunk_bytes, fits too).
inline constexpr std::size_t peer_frame_overhead_bytes = 64 * 1024;
inline constexpr std::size_t peer_frame_bytes_max(std::uint64_t max_request_bytes) {
  return raft_message_bytes_max + static_cast<std::size_t>(max_request_bytes) + peer_frame_overhead_bytes;
}
// A connection to the peer port must say which member it is (a TLS handshake
// included) within this long, and no more than this many may wait at once.
inline constexpr int peer_handshake_ms = 5000;
inline constexpr std::size_t peer_unidentified_connections_max = 64;
// A link carries frames one way; the member that reads it writes a keep-alive
// back this often, and the member that sends on it drops and redials a link
// that brought nothing back for peer_link_silence_ms (its far end is gone
// without a word: a proxy or a middlebox that kept our side open).
inline constexpr int peer_keepalive_ms = 1000;
inline constexpr int peer_link_silence_ms = 3000;
// Bytes queued for a peer that does not read (paused, or its link full) before
// frames to it are dropped; Raft resends what a follower missed.
inline constexpr std::size_t peer_send_queue_bytes_max = 32u << 20;

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

// The leader looks for expired leases this often (etcd: every 500 ms), and
// proposes at most this many revocations per look (etcd: 1000 per second), so
// a pile of leases expiring together does not flood the log.
inline constexpr int lease_check_interval_ms = 500;
inline constexpr std::size_t lease_revokes_per_check = 500;
// A revocation proposed but not yet applied is proposed again after this long
// (etcd: expiredLeaseRetryInterval).
inline constexpr int lease_revoke_retry_ms = 3000;
// The shortest lease granted: 1.5 election timeouts, in whole seconds rounded
// up (etcd: minTTL), so a lease cannot expire during a routine election.
inline constexpr std::int64_t min_lease_ttl_s(int election_timeout_ms) {
  return (3 * static_cast<std::int64_t>(election_timeout_ms) / 2 + 999) / 1000;
}

// Streams: a keep-alive or watch stream holds at most this many responses
// queued for a client that reads slowly; a watch past it stops receiving live
// events and catches up from history once the client reads again (etcd's
// "victim" watchers), so nothing is lost and memory stays bounded.
inline constexpr std::size_t stream_backlog_max = 128;
// Events replayed to a watch that starts in the past, per round (whole
// revisions only; etcd: watchBatchMaxRevs).
inline constexpr std::size_t watch_replay_events_max = 1000;
// Unsynced watches are caught up from history this often (etcd: 100 ms).
inline constexpr int watch_sync_interval_ms = 100;
// Watches on one stream (etcd has no limit; past this a create is refused).
inline constexpr std::size_t watches_per_stream_max = 100000;
// A watch that asked for progress notifications gets one after this long
// without events (etcd: --experimental-watch-progress-notify-interval, 10 min).
inline constexpr int watch_progress_notify_ms_default = 10 * 60 * 1000;

// A snapshot travels to a lagging member in frames of this size.
inline constexpr std::size_t snapshot_chunk_bytes = 1 << 20;
// A member joining a running cluster asks the members --initial-cluster names
// for the cluster's membership for this long before it gives up (etcd asks
// each peer once, with a timeout of its own).
inline constexpr int join_fetch_timeout_ms = 10000;
inline constexpr int join_fetch_retry_ms = 250;
// A member without a leader for this many ticks logs its Raft state (and again
// after as many more).
inline constexpr std::uint64_t leaderless_report_ticks = 100;

// Per-record bookkeeping counted against the quota, besides key and value bytes.
inline constexpr std::int64_t mvcc_record_overhead_bytes = 48;
// Superseded values stay in memory until they are this many revisions old
// (and their records are in RocksDB): watches that fell a little behind
// replay from memory; older history is read back from RocksDB.
inline constexpr std::int64_t mvcc_recent_values_revisions = 10000;

}  // namespace acord::limits
