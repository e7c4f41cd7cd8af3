#pragma once
// The URLs in etcd's flags (client, peer, --initial-cluster): scheme://host:port.
#include <string>

namespace acord::cluster {

struct Url {
  std::string scheme, host;
  int port = 0;
  std::string text;  // as given
  std::string host_port() const { return host + ":" + std::to_string(port); }
  bool tls() const { return scheme == "https"; }
};

// "http://host:port" -> Url. Throws std::invalid_argument naming the problem.
Url parse_url(const std::string& text);

}  // namespace acord::cluster
