#include "server/tls_files.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace acord::server {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;

BioPtr memory_bio(const std::string& bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

X509Ptr first_certificate(const std::string& pem) {
  auto bio = memory_bio(pem);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// A certificate's own problem, if any: not yet valid, or expired.
std::string validity_problem(X509* cert) {
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) return "is not valid yet";
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) return "has expired";
  return "";
}

std::string flag(const std::string& prefix, const std::string& name) { return "--" + prefix + name; }

std::string serial_hex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

}  // namespace

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string check_tls_files(const TlsFiles& tls, const std::string& prefix) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return flag(prefix, "cert-file") + " and " + flag(prefix, "key-file") + " must be given together";
  }
  if (!tls.cert_file.empty()) {
    const auto cert_pem = read_whole_file(tls.cert_file);
    if (!cert_pem) return flag(prefix, "cert-file") + " " + tls.cert_file + ": cannot read the file";
    auto cert = first_certificate(*cert_pem);
    if (!cert) return flag(prefix, "cert-file") + " " + tls.cert_file + ": not a PEM certificate";
    if (auto p = validity_problem(cert.get()); !p.empty()) {
      return flag(prefix, "cert-file") + " " + tls.cert_file + ": the certificate " + p;
    }
    const auto key_pem = read_whole_file(tls.key_file);
    if (!key_pem) return flag(prefix, "key-file") + " " + tls.key_file + ": cannot read the file";
    auto bio = memory_bio(*key_pem);
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return flag(prefix, "key-file") + " " + tls.key_file + ": not a PEM private key";
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      return flag(prefix, "key-file") + " " + tls.key_file + " does not match the certificate in " + tls.cert_file;
    }
  }
  if (!tls.trusted_ca_file.empty()) {
    const auto ca_pem = read_whole_file(tls.trusted_ca_file);
    if (!ca_pem) return flag(prefix, "trusted-ca-file") + " " + tls.trusted_ca_file + ": cannot read the file";
    if (!first_certificate(*ca_pem)) {
      return flag(prefix, "trusted-ca-file") + " " + tls.trusted_ca_file + ": not a PEM certificate";
    }
  }
  if (tls.client_cert_auth && tls.trusted_ca_file.empty()) {
    return flag(prefix, "client-cert-auth") + " needs " + flag(prefix, "trusted-ca-file") +
           " (the CA the other side's certificate must be signed by)";
  }
  return "";
}

bool make_self_signed(const std::string& dir, const std::vector<std::string>& hosts, TlsFiles& tls,
                      std::string& error) {
  const auto cert_path = dir + "/cert.pem", key_path = dir + "/key.pem";
  tls.cert_file = cert_path;
  tls.key_file = key_path;
  std::error_code ec;
  if (std::filesystem::exists(cert_path, ec) && std::filesystem::exists(key_path, ec)) {
    TlsFiles existing = tls;
    existing.trusted_ca_file.clear();
    existing.client_cert_auth = false;
    if (check_tls_files(existing, "").empty()) return true;  // made before and still good
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "auto TLS: cannot create " + dir + ": " + ec.message();
    return false;
  }
  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) {
    error = "auto TLS: cannot make a key";
    return false;
  }
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("etcd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  // The names it answers for: IP addresses and host names.
  std::string sans;
  for (const auto& h : hosts) {
    const bool ip = h.find_first_not_of("0123456789.") == std::string::npos || h.find(':') != std::string::npos;
    sans += (sans.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + h;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_subject_alt_name, sans},
  };
  for (const auto& [nid, value] : extensions) {
    if (value.empty()) continue;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
      error = "auto TLS: cannot name the hosts " + sans;
      return false;
    }
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    error = "auto TLS: cannot sign the certificate";
    return false;
  }
  FILE* kf = std::fopen(key_path.c_str(), "w");
  FILE* cf = kf ? std::fopen(cert_path.c_str(), "w") : nullptr;
  const bool written = kf && cf && PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
                       PEM_write_X509(cf, cert.get()) == 1;
  if (kf) std::fclose(kf);
  if (cf) std::fclose(cf);
  std::filesystem::permissions(key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               ec);
  if (!written) {
    error = "auto TLS: cannot write " + cert_path + " and " + key_path;
    return false;
  }
  return true;
}

std::optional<std::string> openssl_cipher_list(const std::string& etcd_names, std::string& error) {
  static const std::pair<const char*, const char*> names[] = {
      {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"},
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  std::string out;
  std::stringstream list(etcd_names);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) continue;
    const char* found = nullptr;
    for (const auto& [go, ossl] : names) {
      if (name == go) found = ossl;
    }
    if (found == nullptr) {
      error = "--cipher-suites: unknown cipher suite " + name;
      return std::nullopt;
    }
    out += (out.empty() ? "" : ":") + std::string(found);
  }
  return out;
}

std::optional<std::set<std::string>> revoked_serials(const std::string& crl_file, std::string& error) {
  const auto bytes = read_whole_file(crl_file);
  if (!bytes) {
    error = "--client-crl-file " + crl_file + ": cannot read the file";
    return std::nullopt;
  }
  // PEM or DER, as etcd takes either.
  auto bio = memory_bio(*bytes);
  CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (!crl) {
    const auto* der = reinterpret_cast<const unsigned char*>(bytes->data());
    crl.reset(d2i_X509_CRL(nullptr, &der, static_cast<long>(bytes->size())));
  }
  if (!crl) {
    error = "--client-crl-file " + crl_file + ": not a certificate revocation list (PEM or DER)";
    return std::nullopt;
  }
  std::set<std::string> serials;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
    serials.insert(serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  return serials;
}

std::optional<std::string> certificate_serial(const std::string& pem) {
  auto cert = first_certificate(pem);
  if (!cert) return std::nullopt;
  return serial_hex(X509_get0_serialNumber(cert.get()));
}

}  // namespace acord::server
