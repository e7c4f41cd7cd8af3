#pragma once
// acord's command line: etcd's flag names and defaults for everything acord
// shares with etcd, so an operator's scripts carry over.
#include <cstdint>
#include <string>
#include <vector>

#include "core/cluster/url.hpp"
#include "server/tls_files.hpp"

namespace acord::server {

using cluster::Url;
using cluster::parse_url;

struct Flags {
  std::string name = "default";
  std::string data_dir;  // default: <name>.etcd
  std::vector<Url> listen_client_urls, advertise_client_urls, listen_peer_urls, initial_advertise_peer_urls;
  std::string initial_cluster;  // default: <name>=<each advertised peer url>
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  std::uint64_t max_request_bytes = 0;
  std::int64_t quota_backend_bytes = 0;  // 0: the 2 GiB default
  int max_txn_ops = 0;
  std::uint64_t snapshot_count = 0;
  int heartbeat_interval_ms = 0;
  int election_timeout_ms = 0;
  std::int64_t watch_progress_notify_ms = 0;
  bool show_version = false;
  bool initial_corrupt_check = false;  // --experimental-initial-corrupt-check
  // TLS for clients (--cert-file, --key-file, --trusted-ca-file,
  // --client-cert-auth, --auto-tls, --client-crl-file) and for peers (the
  // --peer-* twins); --cipher-suites for both.
  TlsFiles client_tls, peer_tls;
  std::string cipher_suites;
};

enum class ParseOutcome { run, exit_ok, exit_error };

// Parses argv. On exit_ok the help or version text is in `message`; on
// exit_error, a one-line reason naming the bad flag or value.
ParseOutcome parse_flags(int argc, char** argv, Flags& out, std::string& message);

// A duration as Go writes it ("10m", "1m30s", "500ms", "2h"), in
// milliseconds; throws std::invalid_argument otherwise.
std::int64_t parse_duration_ms(const std::string& text);


}  // namespace acord::server
