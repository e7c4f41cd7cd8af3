#include "transport/peer_tls.hpp"

#include <openssl/err.h>

namespace acord::transport {

std::string take_openssl_errors() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

SslContext make_peer_tls_context(const PeerTls& tls, bool server, std::string& error) {
  SslContext ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()), SSL_CTX_free);
  if (!ctx) {
    error = "cannot make a TLS context: " + take_openssl_errors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // A frame may be written in pieces, from a buffer that moved in between.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      error = "peer certificate " + tls.cert_file + " or key " + tls.key_file + ": " + take_openssl_errors();
      return nullptr;
    }
  }
  if (!tls.trusted_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), tls.trusted_ca_file.c_str(), nullptr) != 1) {
      error = "peer trusted CA " + tls.trusted_ca_file + ": " + take_openssl_errors();
      return nullptr;
    }
    SSL_CTX_set_verify(ctx.get(), server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
                       nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

}  // namespace acord::transport
