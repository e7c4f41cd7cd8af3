// TLS files checked at start, certificates made for auto TLS, etcd's cipher
// suite names, and the serials a CRL revokes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "server/tls_files.hpp"

using namespace acord::server;

namespace {
struct Dir {
  std::string path;
  Dir() {
    path = (std::filesystem::temp_directory_path() / ("acord-tls-" + std::to_string(std::random_device{}()))).string();
    std::filesystem::create_directories(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};
}  // namespace

TEST_CASE("auto TLS makes a certificate once, checks as good, and is reused", "[tls]") {
  Dir d;
  TlsFiles tls;
  std::string error;
  REQUIRE(make_self_signed(d.path + "/client", {"127.0.0.1", "localhost"}, tls, error));
  CHECK(check_tls_files(tls, "").empty());
  const auto first = read_whole_file(tls.cert_file);
  TlsFiles again;
  REQUIRE(make_self_signed(d.path + "/client", {"127.0.0.1"}, again, error));
  CHECK(read_whole_file(again.cert_file) == first);
  // A damaged one is made anew.
  std::ofstream(again.cert_file) << "damaged";
  REQUIRE(make_self_signed(d.path + "/client", {"127.0.0.1"}, again, error));
  CHECK(check_tls_files(again, "").empty());
  CHECK(read_whole_file(again.cert_file) != first);
}

TEST_CASE("bad TLS files are named in one line", "[tls]") {
  Dir d;
  TlsFiles one, two;
  std::string error;
  REQUIRE(make_self_signed(d.path + "/one", {"127.0.0.1"}, one, error));
  REQUIRE(make_self_signed(d.path + "/two", {"127.0.0.1"}, two, error));
  TlsFiles mixed{one.cert_file, two.key_file, "", "", false, false};
  CHECK_THAT(check_tls_files(mixed, "peer-"), Catch::Contains("--peer-key-file") && Catch::Contains("does not match"));
  TlsFiles missing{d.path + "/nope.pem", one.key_file, "", "", false, false};
  CHECK_THAT(check_tls_files(missing, ""), Catch::Contains("--cert-file") && Catch::Contains("cannot read"));
  TlsFiles lone{one.cert_file, "", "", "", false, false};
  CHECK_THAT(check_tls_files(lone, ""), Catch::Contains("must be given together"));
  TlsFiles no_ca{one.cert_file, one.key_file, "", "", true, false};
  CHECK_THAT(check_tls_files(no_ca, ""), Catch::Contains("--trusted-ca-file"));
  TlsFiles bad_ca{one.cert_file, one.key_file, one.key_file, "", false, false};
  CHECK_THAT(check_tls_files(bad_ca, ""), Catch::Contains("--trusted-ca-file") && Catch::Contains("not a PEM"));
  for (const auto& e : {check_tls_files(mixed, ""), check_tls_files(missing, ""), check_tls_files(no_ca, "")}) {
    CHECK(e.find('\n') == std::string::npos);
  }
}

TEST_CASE("etcd's cipher suite names become OpenSSL's", "[tls]") {
  std::string error;
  auto list = openssl_cipher_list("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", error);
  REQUIRE(list);
  CHECK(*list == "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  CHECK_FALSE(openssl_cipher_list("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_MADE_UP", error));
  CHECK_THAT(error, Catch::Contains("TLS_MADE_UP"));
}

TEST_CASE("a CRL's revoked serials, PEM or DER, and a certificate's serial", "[tls]") {
  const std::string fixtures = "/usr/share/gocode/src/go.etcd.io/etcd/integration/fixtures/";
  std::string error;
  auto revoked = revoked_serials(fixtures + "revoke.crl", error);  // DER, as etcd's test fixture is
  REQUIRE(revoked);
  auto serial_of = [&](const std::string& file) { return certificate_serial(*read_whole_file(fixtures + file)); };
  REQUIRE(serial_of("server-revoked.crt"));
  CHECK(revoked->count(*serial_of("server-revoked.crt")) == 1);
  CHECK(revoked->count(*serial_of("server.crt")) == 0);
  CHECK_FALSE(revoked_serials(fixtures + "server.crt", error));
  CHECK_THAT(error, Catch::Contains("not a certificate revocation list"));
}
