// TLS with certificates the test makes (Debian's openssl): clients must show a
// certificate the CA signed under --client-cert-auth (and one not revoked by
// --client-crl-file); a member whose peer certificate another CA signed
// cannot join, and the peer port speaks nothing but TLS; a cluster on auto
// TLS works; bad certificate files stop the start with one line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "core/limits.hpp"
#include "server.hpp"
#include "test_certs.hpp"
#include "transport/peer_network.hpp"

using namespace acord::test;

namespace {

std::string url(const std::string& scheme, int port) { return scheme + "://127.0.0.1:" + std::to_string(port); }

// An acord process started with exactly these flags (and a data dir of its own).
struct Member {
  TempDir dir;
  std::string log_path;
  std::unique_ptr<Child> child;
  explicit Member(std::vector<std::string> flags) {
    log_path = dir.path + "/log";
    std::vector<std::string> argv = {acord_binary(), "--data-dir", dir.path + "/data"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    child = std::make_unique<Child>(argv, log_path);
  }
  std::string log() const { return read_file(log_path); }
};

// Flags of a one-member cluster with this client url and a plain peer url.
std::vector<std::string> single(const std::string& client_urls, int peer_port) {
  return {"--name", "t", "--listen-client-urls", client_urls, "--advertise-client-urls", client_urls,
          "--listen-peer-urls", url("http", peer_port), "--initial-advertise-peer-urls", url("http", peer_port),
          "--initial-cluster", "t=" + url("http", peer_port)};
}

// etcdctl over TLS: `ca` to verify the member ("" skips verification, as for
// auto TLS), `client` to show (empty: none).
CommandResult ctl(const std::string& endpoint, const std::string& ca, const CertPair& client,
                  const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + endpoint, "--dial-timeout=2s", "--command-timeout=4s"};
  if (ca.empty()) {
    argv.insert(argv.end(), {"--insecure-transport=false", "--insecure-skip-tls-verify"});
  } else {
    argv.push_back("--cacert=" + ca);
  }
  if (!client.cert.empty()) argv.insert(argv.end(), {"--cert=" + client.cert, "--key=" + client.key});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", std::chrono::seconds(15));
}

bool eventually_put(const std::string& endpoint, const std::string& ca, const CertPair& client) {
  return wait_until([&] { return ctl(endpoint, ca, client, {"put", "ready", "1"}).exit_code == 0; },
                    std::chrono::seconds(30), std::chrono::milliseconds(200));
}

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// Three members with https peer urls and fast timers; `flags(i)` gives each
// its own TLS flags.
struct TlsCluster {
  std::vector<int> client, peer;
  std::vector<std::unique_ptr<Member>> members;
  TlsCluster(const std::string& prefix, const std::string& client_scheme,
             const std::function<std::vector<std::string>(int)>& flags) {
    for (int i = 0; i < 3; ++i) {
      client.push_back(free_port());
      peer.push_back(free_port());
    }
    std::string initial;
    for (int i = 0; i < 3; ++i) initial += (i ? "," : "") + prefix + std::to_string(i) + "=" + url("https", peer[i]);
    for (int i = 0; i < 3; ++i) {
      std::vector<std::string> f = {"--name", prefix + std::to_string(i), "--listen-client-urls",
                                    url(client_scheme, client[i]), "--advertise-client-urls",
                                    url(client_scheme, client[i]), "--listen-peer-urls", url("https", peer[i]),
                                    "--initial-advertise-peer-urls", url("https", peer[i]), "--initial-cluster",
                                    initial, "--heartbeat-interval", "50", "--election-timeout", "500"};
      auto own = flags(i);
      f.insert(f.end(), own.begin(), own.end());
      members.push_back(std::make_unique<Member>(f));
    }
  }
  std::string client_url(int i) const { return url("http", client[static_cast<std::size_t>(i)]); }
};

}  // namespace

TEST_CASE("client TLS: --client-cert-auth refuses a client without a certificate the CA signed, and plain and TLS urls "
          "side by side",
          "[tls]") {
  TestCa ca("clients");
  TestCa other("strangers");
  const auto server = ca.issue("server"), client = ca.issue("client"), stranger = other.issue("stranger");
  const int plain = free_port(), secure = free_port(), peer = free_port();
  auto flags = single(url("http", plain) + "," + url("https", secure), peer);
  flags.insert(flags.end(), {"--cert-file", server.cert, "--key-file", server.key, "--trusted-ca-file",
                             ca.ca_cert(), "--client-cert-auth"});
  Member m(flags);
  const auto tls_endpoint = url("https", secure);
  REQUIRE(eventually_put(tls_endpoint, ca.ca_cert(), client));
  auto put = ctl(tls_endpoint, ca.ca_cert(), client, {"put", "k", "over-tls"});
  CHECK(put.exit_code == 0);
  // No certificate, or one another CA signed: refused.
  CHECK(ctl(tls_endpoint, ca.ca_cert(), CertPair{}, {"get", "k"}).exit_code != 0);
  CHECK(ctl(tls_endpoint, ca.ca_cert(), stranger, {"get", "k"}).exit_code != 0);
  // The plain url serves the same data.
  auto plain_get = etcdctl(url("http", plain), {"get", "k", "--print-value-only"});
  CHECK(plain_get.out == "over-tls\n");
  // A client that speaks plain gRPC to the TLS url gets nothing.
  CHECK(etcdctl(url("http", secure).substr(7), {"get", "k"}).exit_code != 0);
}

TEST_CASE("client TLS: a certificate --client-crl-file revokes is refused", "[tls]") {
  const int secure = free_port(), peer = free_port();
  auto flags = single(url("https", secure), peer);
  flags.insert(flags.end(), {"--cert-file", etcd_fixture("server.crt"), "--key-file",
                             etcd_fixture("server.key.insecure"), "--trusted-ca-file", etcd_fixture("ca.crt"),
                             "--client-cert-auth", "--client-crl-file", etcd_fixture("revoke.crl")});
  Member m(flags);
  const CertPair good{etcd_fixture("server.crt"), etcd_fixture("server.key.insecure")};
  const CertPair revoked{etcd_fixture("server-revoked.crt"), etcd_fixture("server-revoked.key.insecure")};
  REQUIRE(eventually_put(url("https", secure), etcd_fixture("ca.crt"), good));
  CHECK(ctl(url("https", secure), etcd_fixture("ca.crt"), revoked, {"get", "ready"}).exit_code != 0);
  CHECK(ctl(url("https", secure), etcd_fixture("ca.crt"), good, {"get", "ready"}).exit_code == 0);
  // The list is checked besides the CA, not instead of it.
  TestCa other("strangers");
  CHECK(ctl(url("https", secure), etcd_fixture("ca.crt"), other.issue("stranger"), {"get", "ready"}).exit_code != 0);
}

TEST_CASE("peer TLS: a member whose certificate another CA signed cannot join, and the peer port speaks only TLS",
          "[tls][peers]") {
  TestCa ca("members");
  TestCa other("intruders");
  TlsCluster c("m", "http", [&](int i) {
    // The third member's certificate comes from another CA (it trusts the members' CA).
    const auto cert = i < 2 ? ca.issue("m" + std::to_string(i)) : other.issue("m2");
    return std::vector<std::string>{"--peer-cert-file", cert.cert, "--peer-key-file", cert.key,
                                    "--peer-trusted-ca-file", ca.ca_cert(), "--peer-client-cert-auth"};
  });
  auto& members = c.members;
  const auto& client = c.client;
  const auto& peer = c.peer;
  // The two with the members' certificates form a quorum and serve.
  REQUIRE(wait_until([&] { return etcdctl(url("http", client[0]), {"put", "k", "v"}).exit_code == 0; },
                     std::chrono::seconds(30), std::chrono::milliseconds(200)));
  CHECK(etcdctl(url("http", client[1]), {"get", "k", "--print-value-only"}).out == "v\n");
  // The third never hears the cluster: it cannot serve a linearizable read.
  CHECK(etcdctl(url("http", client[2]), {"get", "k"}).exit_code != 0);
  // The refusal is logged by the members it tried to reach (and that tried it).
  CHECK(wait_until([&] { return members[0]->log().find("TLS handshake refused") != std::string::npos; },
                   std::chrono::seconds(10)));
  // Nothing answers on the peer port without TLS: a joining member's question
  // gets the members over TLS with the members' CA, and nothing in plain text
  // or with the other CA's certificate.
  using acord::transport::PeerEndpoint;
  using acord::transport::PeerTls;
  const auto port0 = static_cast<std::uint16_t>(peer[0]);
  const auto frame_limit = acord::limits::peer_frame_bytes_max(acord::limits::max_request_bytes_default);
  const auto m1 = ca.issue("m1");
  const PeerTls members_tls{m1.cert, m1.key, ca.ca_cert()};
  auto answer = acord::transport::ask_join(PeerEndpoint{"127.0.0.1", port0, true}, &members_tls,
                                           std::chrono::seconds(5), frame_limit);
  REQUIRE(answer);
  CHECK(answer->cluster_id != 0);
  CHECK_FALSE(acord::transport::ask_join(PeerEndpoint{"127.0.0.1", port0, false}, nullptr, std::chrono::seconds(3),
                                         frame_limit));
  const auto intruder = other.issue("m3");
  const PeerTls intruder_tls{intruder.cert, intruder.key, ca.ca_cert()};
  CHECK_FALSE(acord::transport::ask_join(PeerEndpoint{"127.0.0.1", port0, true}, &intruder_tls,
                                         std::chrono::seconds(3), frame_limit));
}

TEST_CASE("auto TLS: a cluster on generated certificates, for clients and peers, works", "[tls][peers]") {
  TlsCluster c("a", "https", [](int) { return std::vector<std::string>{"--auto-tls", "--peer-auto-tls"}; });
  auto& members = c.members;
  const auto& client = c.client;
  REQUIRE(eventually_put(url("https", client[0]), "", CertPair{}));
  REQUIRE(ctl(url("https", client[0]), "", CertPair{}, {"put", "auto", "tls"}).exit_code == 0);
  CHECK(ctl(url("https", client[2]), "", CertPair{}, {"get", "auto", "--print-value-only"}).out == "tls\n");
  CHECK(std::filesystem::exists(members[0]->dir.path + "/data/fixtures/client/cert.pem"));
  // Not plain: a plain client gets nothing.
  CHECK(etcdctl("127.0.0.1:" + std::to_string(client[1]), {"get", "auto"}).exit_code != 0);
}

TEST_CASE("bad certificate files stop the start with one line naming the flag", "[tls][bad-input]") {
  TestCa ca("bad");
  const auto good = ca.issue("good"), other = ca.issue("other"), expired = ca.issue("expired", -1);
  TempDir dir;
  const std::string garbage = dir.path + "/garbage.pem";
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  const int secure = free_port(), peer = free_port();
  auto with = [&](std::vector<std::string> extra, const std::string& client_urls,
                  std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    std::vector<std::string> argv = {acord_binary(), "--data-dir", dir.path + "/data"};
    auto f = single(client_urls, peer);
    argv.insert(argv.end(), f.begin(), f.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv, "", deadline);
  };
  const auto https = url("https", secure);
  struct Case {
    std::vector<std::string> flags;
    std::string client_urls, names;
  };
  const std::vector<Case> cases = {
      {{"--cert-file", dir.path + "/missing.crt", "--key-file", good.key}, https, "--cert-file"},
      {{"--cert-file", garbage, "--key-file", good.key}, https, "--cert-file"},
      {{"--cert-file", expired.cert, "--key-file", expired.key}, https, "expired"},
      {{"--cert-file", good.cert, "--key-file", other.key}, https, "does not match"},
      {{"--cert-file", good.cert}, https, "--key-file"},
      {{}, https, "--cert-file"},
      {{"--cert-file", good.cert, "--key-file", good.key, "--trusted-ca-file", garbage}, https, "--trusted-ca-file"},
      {{"--cert-file", good.cert, "--key-file", good.key, "--client-cert-auth"}, https, "--trusted-ca-file"},
      {{"--peer-cert-file", good.cert, "--peer-key-file", good.key}, url("http", secure), "--peer-trusted-ca-file"},
      {{"--auto-tls", "--cipher-suites", "TLS_NOT_A_SUITE"}, https, "TLS_NOT_A_SUITE"},
  };
  for (const auto& c : cases) {
    const auto r = with(c.flags, c.client_urls);
    INFO(c.names << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(c.names));
  }
  // The same files, right, start (and the data dir they did not touch is fine).
  auto ok = with({"--cert-file", good.cert, "--key-file", good.key, "--cipher-suites",
                  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
                 https, std::chrono::seconds(3));
  CHECK(ok.exit_code == -1);  // still serving at the deadline: killed there
}
