#pragma once
// Certificates for TLS tests, made with Debian's openssl command in a
// directory of the test's own: a CA, and certificates it signs for
// 127.0.0.1/localhost (valid, or already expired).
#include <string>

#include "process.hpp"

namespace acord::test {

struct CertPair {
  std::string cert, key;
};

class TestCa {
 public:
  explicit TestCa(const std::string& name);
  const std::string& ca_cert() const { return ca_cert_; }
  // A certificate for 127.0.0.1 and localhost (server and client use), signed
  // by this CA; `days` < 0 makes one that has expired.
  CertPair issue(const std::string& name, int days = 30) const;
  std::string dir() const { return dir_.path; }

 private:
  TempDir dir_;
  std::string name_, ca_cert_, ca_key_;
};

// etcd's own test certificates (Debian's golang-etcd-server-dev): server.crt
// and ca.crt, a revoked server certificate, and the CRL that revokes it.
std::string etcd_fixture(const std::string& file);

}  // namespace acord::test
