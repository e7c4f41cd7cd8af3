#pragma once
// etcd as the oracle: run the same etcdctl commands against a real etcd and
// against acord, started alike, and compare what they print.
#include <string>
#include <vector>

#include "server.hpp"

namespace acord::test {

struct ScriptLine {
  std::vector<std::string> args;
  std::string input;  // text after " <<< " (with \n for newlines), sent on stdin
  std::string text;   // the line as written
};

// Splits a command line as a shell would for our simple cases: words, and
// "double-quoted" words (possibly empty).
std::vector<std::string> shell_words(const std::string& s);
// The script's commands, one per line; '#' starts a comment line.
std::vector<ScriptLine> load_script(const std::string& path);
// Masks what is not behaviour: the endpoint, timings, the database's size,
// and clientv3's own log lines.
std::string normalize(std::string s, const std::string& endpoint);
// Runs one etcdctl command against both servers and checks they answer alike.
void expect_same(const Server& etcd, const Server& acord, const std::vector<std::string>& args,
                 const std::string& input);

// An etcd and an acord started with the same flags (so the same ids).
ServerOptions options_for(const std::string& binary, const std::string& peer);
struct Pair {
  std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
  Server etcd{options_for(etcd_binary(), peer)};
  Server acord{options_for(acord_binary(), peer)};
};

}  // namespace acord::test
