#include "actors/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace acord {
namespace {
void log_line(const char* level, const std::string& msg) {
  char ts[32];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string escaped;
  for (char c : msg) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  std::fprintf(stderr, "{\"level\":\"%s\",\"ts\":\"%s\",\"msg\":\"%s\"}\n", level, ts, escaped.c_str());
}
}  // namespace

void log_info(const std::string& msg) { log_line("info", msg); }
void log_warn(const std::string& msg) { log_line("warn", msg); }
void log_fatal(const std::string& msg) {
  log_line("fatal", msg);
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace acord
