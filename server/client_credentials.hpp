#pragma once
// What a client listener speaks: plain gRPC for an http:// url, TLS for
// https:// (gRPC's own TLS: the member's certificate, and with
// --client-cert-auth a client certificate the trusted CA signed, checked
// against --client-crl-file when given).
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "core/cluster/url.hpp"
#include "server/tls_files.hpp"

namespace acord::server {

// `revoked`: the serials --client-crl-file lists (refused after the CA
// verified them); nullptr with `error` set if the files do not do.
std::shared_ptr<grpc::ServerCredentials> client_credentials(const cluster::Url& url, const TlsFiles& tls,
                                                            const std::set<std::string>& revoked, std::string& error);

// What this member uses to call another member's client url (the initial
// corruption check): TLS for https, with the trusted CA to verify the other
// (none with auto TLS: etcd's auto TLS verifies nothing) and this member's
// certificate to show when client certificates are required.
std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const cluster::Url& url, const TlsFiles& tls);

}  // namespace acord::server
