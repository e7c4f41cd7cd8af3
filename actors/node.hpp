#pragma once
// One acord node: opens (or bootstraps) its data directory, spawns its actors
// (storage, raft, apply) and a session per client call. The front (gRPC)
// talks to the node only through submit().
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/call.hpp"
#include "actors/stream.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/limits.hpp"
#include "core/mvcc/hash_kv.hpp"
#include "transport/peer_tls.hpp"

namespace acord::actors {

// A restarted member as its data directory holds it, before anything runs.
struct StartingState {
  std::uint64_t member_id = 0;
  mvcc::HashKv hash;  // HashKV of its data at its current revision
  std::vector<cluster::Member> members;  // the membership it last applied, with published client urls
};

struct NodeConfig {
  std::string name;
  std::string data_dir;
  std::vector<cluster::Member> initial_cluster;  // from --initial-cluster
  std::string cluster_token;
  bool join_existing = false;  // --initial-cluster-state existing
  std::vector<std::string> advertise_client_urls;
  std::vector<std::string> advertise_peer_urls;
  // Where this member listens for its peers (--listen-peer-urls; first url).
  std::string listen_peer_host;
  std::uint16_t listen_peer_port = 0;
  bool listen_peer_tls = false;  // an https url
  // TLS between members: with a certificate, its key and the CA that signs
  // every member's (each side proves itself to the other); without a CA
  // (etcd's --peer-auto-tls: certificates that sign themselves), encrypted
  // but unauthenticated.
  struct PeerTls {
    bool enabled = false;
    std::string cert_file, key_file, trusted_ca_file;
  } peer_tls;
  int heartbeat_interval_ms = 100;
  int election_timeout_ms = 1000;
  std::uint64_t max_request_bytes = 0;
  std::int64_t quota_bytes = 0;
  // Values newer than this many revisions stay in memory; older ones are read
  // back from RocksDB (tests lower it to see values leave memory).
  std::int64_t recent_values_revisions = limits::mvcc_recent_values_revisions;
  int max_txn_ops = 0;
  std::uint64_t snapshot_count = 0;
  std::string version;
  int watch_progress_notify_ms = 0;  // 0: etcd's default
  // Run when a member restarts with data, before any of its actors start
  // (nothing reaches its peers or clients yet): a non-empty answer refuses
  // the start with that reason. etcd's initial corruption check.
  std::function<std::string(const StartingState&)> before_start;
  // Called (on an actor thread) when this member applies its own removal.
  std::function<void()> on_removed;
};

// The peer TLS files as the links take them.
inline transport::PeerTls peer_tls_files(const NodeConfig& c) {
  return transport::PeerTls{c.peer_tls.cert_file, c.peer_tls.key_file, c.peer_tls.trusted_ca_file};
}

// The largest frame a member reads from its peers (and sends them).
inline std::size_t peer_frame_limit(const NodeConfig& c) {
  return limits::peer_frame_bytes_max(std::max(c.max_request_bytes, limits::max_request_bytes_default));
}

class Node {
 public:
  // Opens the data directory and starts the actors. On failure returns nullptr
  // with a one-line reason in `error`.
  static std::unique_ptr<Node> start(const NodeConfig& config, std::string& error);
  ~Node();

  // Runs one client call; call->finish is invoked exactly once, on an actor
  // thread. Safe to call from any thread.
  void submit(CallPtr call);
  // Opens a client stream: a session actor of its kind answers through `sink`.
  std::unique_ptr<StreamSession> open_stream(StreamKind kind, StreamSinkPtr sink);

  // The member's state as etcd's snapshot file (bbolt database and its
  // SHA-256), handed to `done` on an actor thread.
  void etcd_snapshot(std::function<void(std::shared_ptr<const std::string>)> done);

  // The member is stopping: if it leads, it hands leadership over to another
  // voter first and waits (up to `timeout`) until that voter leads.
  void hand_over_leadership(std::chrono::milliseconds timeout);
  // The member is stopping and takes no new calls (the front stopped
  // accepting them): the calls in flight get `grace` to finish; those still
  // waiting then (for a leader, a commit, an applied index) are answered
  // "server stopped". Returns once every call submitted has been answered,
  // or `answer_time` after the abandon if some were not (false then).
  bool finish_calls(std::chrono::milliseconds grace, std::chrono::milliseconds answer_time);

  std::uint64_t member_id() const;
  std::uint64_t cluster_id() const;

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace acord::actors
