#include "test_certs.hpp"

#include <fstream>
#include <stdexcept>

namespace acord::test {
namespace {
void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
}
}  // namespace

TestCa::TestCa(const std::string& name) : name_(name) {
  ca_cert_ = dir_.path + "/" + name + "-ca.crt";
  ca_key_ = dir_.path + "/" + name + "-ca.key";
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key_,
           "-out", ca_cert_, "-days", "30", "-subj", "/CN=" + name + "-ca"});
}

CertPair TestCa::issue(const std::string& name, int days) const {
  const auto base = dir_.path + "/" + name;
  CertPair p{base + ".crt", base + ".key"};
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p.key, "-out",
           base + ".csr", "-subj", "/CN=" + name});
  std::ofstream(base + ".ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "extendedKeyUsage=serverAuth,clientAuth\n";
  openssl({"x509", "-req", "-in", base + ".csr", "-CA", ca_cert_, "-CAkey", ca_key_, "-CAcreateserial", "-out", p.cert,
           "-days", std::to_string(days), "-extfile", base + ".ext"});
  return p;
}

std::string etcd_fixture(const std::string& file) {
  return "/usr/share/gocode/src/go.etcd.io/etcd/integration/fixtures/" + file;
}

}  // namespace acord::test
