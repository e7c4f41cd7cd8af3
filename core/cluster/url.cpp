#include "core/cluster/url.hpp"

#include <stdexcept>

namespace acord::cluster {

Url parse_url(const std::string& text) {
  Url u;
  u.text = text;
  auto sep = text.find("://");
  if (sep == std::string::npos) throw std::invalid_argument("URL \"" + text + "\" has no scheme (want http://host:port)");
  u.scheme = text.substr(0, sep);
  if (u.scheme != "http" && u.scheme != "https") {
    throw std::invalid_argument("URL \"" + text + "\": scheme " + u.scheme + " is not supported (http or https)");
  }
  auto rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || rest.find('/') != std::string::npos) {
    throw std::invalid_argument("URL \"" + text + "\" must be scheme://host:port");
  }
  u.host = rest.substr(0, colon);
  const auto port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    throw std::invalid_argument("URL \"" + text + "\" has an invalid port");
  }
  u.port = std::stoi(port);
  return u;
}

}  // namespace acord::cluster
