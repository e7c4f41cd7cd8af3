#pragma once
// One log line in etcd's JSON shape on stderr: operators (and etcd's e2e
// harness) grep for the messages.
#include <string>

namespace acord {

void log_info(const std::string& msg);
void log_warn(const std::string& msg);

}  // namespace acord
