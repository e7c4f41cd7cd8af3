#pragma once
// TLS between members (https peer urls), as OpenSSL contexts for both ends of
// a peer connection. With a trusted CA, each side must present a certificate
// the CA signed, or the handshake fails (etcd's --peer-trusted-ca-file with
// --peer-client-cert-auth: acord always asks). Without one (etcd's
// --peer-auto-tls, whose certificates sign themselves) the link is encrypted
// and neither side is checked.
#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace acord::transport {

struct PeerTls {
  std::string cert_file, key_file;  // this member's certificate, presented to the other side
  std::string trusted_ca_file;      // "" : the other side is not checked
};

using SslContext = std::shared_ptr<SSL_CTX>;

// A context for connections this member accepts (`server`) or makes; nothing,
// with `error` saying which file would not do.
SslContext make_peer_tls_context(const PeerTls& tls, bool server, std::string& error);

// OpenSSL's queued errors as one line (and the queue emptied).
std::string take_openssl_errors();

}  // namespace acord::transport
