#include "server/flags.hpp"

#include <CLI/CLI.hpp>
#include <stdexcept>

#include "core/cluster/url.hpp"
#include "core/limits.hpp"

namespace acord::server {
namespace {

std::vector<Url> parse_url_list(const std::string& flag, const std::string& list) {
  std::vector<Url> out;
  std::size_t start = 0;
  while (true) {
    auto comma = list.find(',', start);
    auto part = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      out.push_back(parse_url(part));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--" + flag + ": " + e.what());
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The same five TLS flags for clients ("") and for peers ("peer-").
void add_tls_flags(CLI::App& app, const std::string& prefix, const std::string& who, TlsFiles& tls) {
  app.add_option("--" + prefix + "cert-file", tls.cert_file, "path to the " + who + " server TLS cert file");
  app.add_option("--" + prefix + "key-file", tls.key_file, "path to the " + who + " server TLS key file");
  app.add_option("--" + prefix + "trusted-ca-file", tls.trusted_ca_file,
                 "path to the " + who + " server TLS trusted CA cert file");
  app.add_flag("--" + prefix + "client-cert-auth", tls.client_cert_auth, "enable " + who + " certificate authentication");
  app.add_flag("--" + prefix + "auto-tls", tls.auto_tls, who + " TLS using generated certificates");
}

bool any_tls(const std::vector<Url>& urls) {
  for (const auto& u : urls) {
    if (u.tls()) return true;
  }
  return false;
}

// https urls need certificates; the files must be usable (checked now, not
// at the first connection).
std::string check_tls_flags(const Flags& f) {
  for (const auto& u : f.listen_client_urls) {
    if (u.tls() && !f.client_tls.configured()) {
      return "TLS key/cert (--cert-file, --key-file) must be provided for client url " + u.text +
             " with HTTPS scheme (or --auto-tls)";
    }
  }
  for (const auto& u : f.listen_peer_urls) {
    if (u.tls() && !f.peer_tls.configured()) {
      return "TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url " + u.text +
             " with HTTPS scheme (or --peer-auto-tls)";
    }
  }
  if (any_tls(f.listen_peer_urls) != any_tls(f.initial_advertise_peer_urls)) {
    return "--listen-peer-urls and --initial-advertise-peer-urls must both be https, or both http";
  }
  if (auto e = check_tls_files(f.client_tls, ""); !e.empty()) return e;
  if (auto e = check_tls_files(f.peer_tls, "peer-"); !e.empty()) return e;
  if (!f.peer_tls.cert_file.empty() && f.peer_tls.trusted_ca_file.empty()) {
    return "--peer-cert-file needs --peer-trusted-ca-file: acord verifies every peer's certificate against it";
  }
  if (f.peer_tls.client_cert_auth && f.peer_tls.cert_file.empty()) {
    return "--peer-client-cert-auth needs --peer-cert-file, --peer-key-file and --peer-trusted-ca-file";
  }
  if (!f.client_tls.crl_file.empty() && !f.client_tls.client_cert_auth) {
    return "--client-crl-file needs --client-cert-auth (only client certificates are checked against it)";
  }
  if (!f.cipher_suites.empty()) {
    std::string error;
    if (!openssl_cipher_list(f.cipher_suites, error)) return error;
  }
  return "";
}

}  // namespace

std::int64_t parse_duration_ms(const std::string& text) {
  static const std::pair<const char*, double> units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1.0},
                                                         {"s", 1e3},   {"m", 60e3},  {"h", 3600e3}};
  if (text == "0") return 0;
  double total = 0;
  std::size_t at = 0;
  if (text.empty()) throw std::invalid_argument("empty duration");
  while (at < text.size()) {
    std::size_t used = 0;
    double number = 0;
    try {
      number = std::stod(text.substr(at), &used);
    } catch (const std::exception&) {
      throw std::invalid_argument("invalid duration \"" + text + "\"");
    }
    if (used == 0 || number < 0) throw std::invalid_argument("invalid duration \"" + text + "\"");
    at += used;
    bool matched = false;
    // Longest unit first: "ms" before "m", "ns" before "s".
    for (const char* u : {"ns", "us", "µs", "ms", "s", "m", "h"}) {
      const std::string unit(u);
      if (text.compare(at, unit.size(), unit) == 0) {
        for (const auto& [name, scale] : units) {
          if (unit == name) total += number * scale;
        }
        at += unit.size();
        matched = true;
        break;
      }
    }
    if (!matched) throw std::invalid_argument("missing unit in duration \"" + text + "\"");
  }
  return static_cast<std::int64_t>(total);
}

ParseOutcome parse_flags(int argc, char** argv, Flags& out, std::string& message) {
  CLI::App app{"acord: a distributed coordination service that speaks etcd's v3 API", "acord"};
  app.set_version_flag("--version", "", "print the version and exit");
  std::string listen_client = "http://localhost:2379", advertise_client = "http://localhost:2379";
  std::string listen_peer = "http://localhost:2380", advertise_peer = "http://localhost:2380";
  out.max_request_bytes = limits::max_request_bytes_default;
  out.max_txn_ops = limits::max_txn_ops_default;
  out.snapshot_count = limits::snapshot_count_default;
  out.heartbeat_interval_ms = limits::heartbeat_interval_ms_default;
  out.election_timeout_ms = limits::election_timeout_ms_default;
  app.add_option("--name", out.name, "human-readable name for this member")->capture_default_str();
  app.add_option("--data-dir", out.data_dir, "path to the data directory (default: <name>.etcd)");
  app.add_option("--listen-client-urls", listen_client, "URLs to listen on for client traffic")->capture_default_str();
  app.add_option("--advertise-client-urls", advertise_client, "client URLs to advertise to the cluster")
      ->capture_default_str();
  app.add_option("--listen-peer-urls", listen_peer, "URLs to listen on for peer traffic")->capture_default_str();
  app.add_option("--initial-advertise-peer-urls", advertise_peer, "this member's peer URLs to advertise")
      ->capture_default_str();
  app.add_option("--initial-cluster", out.initial_cluster,
                 "initial cluster configuration for bootstrapping (name=url,...; default: <name>=<peer urls>)");
  app.add_option("--initial-cluster-state", out.initial_cluster_state, "initial cluster state ('new' or 'existing')")
      ->capture_default_str()
      ->check(CLI::IsMember({"new", "existing"}));
  app.add_option("--initial-cluster-token", out.initial_cluster_token, "initial cluster token for bootstrapping")
      ->capture_default_str();
  app.add_option("--max-request-bytes", out.max_request_bytes, "maximum client request size in bytes")
      ->capture_default_str();
  app.add_option("--quota-backend-bytes", out.quota_backend_bytes,
                 "raise an alarm when the backend size exceeds this quota (0 defaults to 2 GiB)")
      ->capture_default_str();
  app.add_option("--max-txn-ops", out.max_txn_ops, "maximum number of operations permitted in a transaction")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--snapshot-count", out.snapshot_count,
                 "number of committed transactions between trims of the raft log")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--heartbeat-interval", out.heartbeat_interval_ms, "time (in milliseconds) of a heartbeat interval")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--election-timeout", out.election_timeout_ms, "time (in milliseconds) for an election to timeout")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  std::string progress_notify = "10m";
  app.add_option("--experimental-watch-progress-notify-interval", progress_notify,
                 "duration of periodic watch progress notifications")
      ->capture_default_str();
  app.add_flag("--experimental-initial-corrupt-check", out.initial_corrupt_check,
               "compare this member's data with its peers' (HashKV) before serving clients, after a restart");
  add_tls_flags(app, "", "client", out.client_tls);
  add_tls_flags(app, "peer-", "peer", out.peer_tls);
  app.add_option("--client-crl-file", out.client_tls.crl_file, "path to the client certificate revocation list file");
  app.add_option("--cipher-suites", out.cipher_suites,
                 "comma-separated list of supported TLS cipher suites between client/server and peers");
  app.allow_extras(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    message = app.help();
    return ParseOutcome::exit_ok;
  } catch (const CLI::CallForVersion&) {
    out.show_version = true;
    return ParseOutcome::exit_ok;
  } catch (const CLI::ExtrasError& e) {
    message = "unknown flag: " + std::string(e.what()).substr(std::string(e.what()).find(':') + 1);
    return ParseOutcome::exit_error;
  } catch (const CLI::ParseError& e) {
    message = e.what();
    return ParseOutcome::exit_error;
  }
  try {
    out.listen_client_urls = parse_url_list("listen-client-urls", listen_client);
    out.advertise_client_urls = parse_url_list("advertise-client-urls", advertise_client);
    out.listen_peer_urls = parse_url_list("listen-peer-urls", listen_peer);
    out.initial_advertise_peer_urls = parse_url_list("initial-advertise-peer-urls", advertise_peer);
  } catch (const std::invalid_argument& e) {
    message = e.what();
    return ParseOutcome::exit_error;
  }
  try {
    out.watch_progress_notify_ms = parse_duration_ms(progress_notify);
  } catch (const std::invalid_argument& e) {
    message = "--experimental-watch-progress-notify-interval: " + std::string(e.what());
    return ParseOutcome::exit_error;
  }
  if (out.name.empty()) {
    message = "--name must not be empty";
    return ParseOutcome::exit_error;
  }
  if (out.data_dir.empty()) out.data_dir = out.name + ".etcd";
  if (out.initial_cluster.empty()) {
    for (const auto& u : out.initial_advertise_peer_urls) {
      out.initial_cluster += (out.initial_cluster.empty() ? "" : ",") + out.name + "=" + u.text;
    }
  }
  if (out.quota_backend_bytes < 0) {
    message = "--quota-backend-bytes must not be negative";
    return ParseOutcome::exit_error;
  }
  if (out.quota_backend_bytes == 0) out.quota_backend_bytes = limits::quota_backend_bytes_default;
  if (out.election_timeout_ms < limits::election_timeout_min_heartbeats * out.heartbeat_interval_ms) {
    message = "--election-timeout[" + std::to_string(out.election_timeout_ms) + "ms] should be at least " +
              std::to_string(limits::election_timeout_min_heartbeats) + " times --heartbeat-interval[" +
              std::to_string(out.heartbeat_interval_ms) + "ms]";
    return ParseOutcome::exit_error;
  }
  if (out.max_request_bytes == 0) {
    message = "--max-request-bytes must be positive";
    return ParseOutcome::exit_error;
  }
  message = check_tls_flags(out);
  return message.empty() ? ParseOutcome::run : ParseOutcome::exit_error;
}

}  // namespace acord::server
