#include "server/client_credentials.hpp"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace acord::server {

namespace {

// Refuses a client certificate whose serial the CRL lists (after gRPC's own
// verification against the trusted CA).
class RevokedSerials final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit RevokedSerials(std::set<std::string> revoked) : revoked_(std::move(revoked)) {}
  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request, std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    const auto pem = request->peer_cert();
    const auto serial = certificate_serial(std::string(pem.data(), pem.size()));
    if (!serial || revoked_.count(*serial)) {
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "client certificate revoked");
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  std::set<std::string> revoked_;
};

// What the flags name, read: the trusted CA (if any) and this member's
// certificate with its key (if both read).
struct Material {
  std::optional<std::string> roots;
  std::vector<grpc::experimental::IdentityKeyCertPair> pairs;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider() const {
    using grpc::experimental::StaticDataCertificateProvider;
    return roots ? std::make_shared<StaticDataCertificateProvider>(*roots, pairs)
                 : std::make_shared<StaticDataCertificateProvider>(pairs);
  }
};

Material read_material(const TlsFiles& tls) {
  Material m;
  if (!tls.trusted_ca_file.empty()) m.roots = read_whole_file(tls.trusted_ca_file);
  const auto cert = read_whole_file(tls.cert_file);
  const auto key = read_whole_file(tls.key_file);
  if (cert && key) m.pairs.push_back(grpc::experimental::IdentityKeyCertPair{*key, *cert});
  return m;
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> client_credentials(const cluster::Url& url, const TlsFiles& tls,
                                                            const std::set<std::string>& revoked, std::string& error) {
  if (!url.tls()) return grpc::InsecureServerCredentials();
  const auto material = read_material(tls);
  if (material.pairs.empty()) {
    error = "cannot read " + tls.cert_file + " or " + tls.key_file;
    return nullptr;
  }
  if (!tls.trusted_ca_file.empty() && !material.roots) {
    error = "cannot read " + tls.trusted_ca_file;
    return nullptr;
  }
  using namespace grpc::experimental;
  TlsServerCredentialsOptions options(material.provider());
  options.watch_identity_key_cert_pairs();
  if (material.roots) options.watch_root_certs();
  options.set_cert_request_type(tls.client_cert_auth ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                     : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!tls.crl_file.empty()) {
    options.set_certificate_verifier(ExternalCertificateVerifier::Create<RevokedSerials>(revoked));
  }
  return TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const cluster::Url& url, const TlsFiles& tls) {
  if (!url.tls()) return grpc::InsecureChannelCredentials();
  using namespace grpc::experimental;
  const auto material = read_material(tls);
  TlsChannelCredentialsOptions options;
  if (material.roots || !material.pairs.empty()) options.set_certificate_provider(material.provider());
  if (!material.pairs.empty()) options.watch_identity_key_cert_pairs();
  if (material.roots) {
    options.watch_root_certs();
  } else {
    options.set_verify_server_certs(false);
    options.set_certificate_verifier(std::make_shared<NoOpCertificateVerifier>());
    options.set_check_call_host(false);
  }
  return TlsCredentials(options);
}

}  // namespace acord::server
