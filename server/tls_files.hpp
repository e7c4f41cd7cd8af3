#pragma once
// TLS material as etcd's flags name it (--cert-file, --key-file,
// --trusted-ca-file, --client-crl-file, --auto-tls, and the --peer-* twins):
// checked at start, so a missing, malformed, expired or mismatched file is a
// one-line error before anything listens; generated when auto TLS asks for it.
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace acord::server {

struct TlsFiles {
  std::string cert_file, key_file, trusted_ca_file, crl_file;
  bool client_cert_auth = false;  // the other side must present a certificate the CA signed
  bool auto_tls = false;          // a self-signed certificate made at start (no verification of the other side)
  bool configured() const { return !cert_file.empty() || !key_file.empty() || auto_tls; }
};

// Checks the files `tls` names; "" if they will do, else a one-line reason
// naming the flag (`prefix` is "" or "peer-").
std::string check_tls_files(const TlsFiles& tls, const std::string& prefix);

// etcd's --auto-tls: an ECDSA P-256 certificate for `hosts`, signed by its own
// key, valid a year, written once to dir/cert.pem and dir/key.pem and reused
// after. Fills in tls.cert_file and tls.key_file; false with `error` set.
bool make_self_signed(const std::string& dir, const std::vector<std::string>& hosts, TlsFiles& tls,
                      std::string& error);

// --cipher-suites as OpenSSL names it (etcd takes Go's names, comma-separated:
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is ECDHE-RSA-AES128-GCM-SHA256);
// nothing, with `error` naming the unknown suite.
std::optional<std::string> openssl_cipher_list(const std::string& etcd_names, std::string& error);

// The serial numbers --client-crl-file revokes (PEM or DER). Like etcd, a
// certificate is refused when its serial is listed, whatever the list's own
// dates say. Nothing, with `error` set, if the file is not a CRL.
std::optional<std::set<std::string>> revoked_serials(const std::string& crl_file, std::string& error);
// A PEM certificate's serial number as revoked_serials lists them.
std::optional<std::string> certificate_serial(const std::string& pem);

// The whole of a file, or nothing.
std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace acord::server
