#pragma once
// One log line in etcd's JSON shape on stderr: operators (and etcd's e2e
// harness) grep for the messages.
#include <string>

namespace acord {

void log_info(const std::string& msg);
void log_warn(const std::string& msg);
// The member cannot go on without serving wrong data or losing some (a
// write its disk refused, a record its disk lost): logged, then the process
// ends at once with exit code 2, as etcd's panics do. What was acknowledged
// is on disk already.
[[noreturn]] void log_fatal(const std::string& msg);

}  // namespace acord
