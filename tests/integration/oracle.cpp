#include "oracle.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

namespace acord::test {

std::vector<std::string> shell_words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false, quoted = false;
  for (char c : s) {
    if (quoted) {
      if (c == '"') quoted = false; else cur += c;
    } else if (c == '"') {
      quoted = in_word = true;
    } else if (c == ' ') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

std::vector<ScriptLine> load_script(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<ScriptLine> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ScriptLine sl;
    sl.text = line;
    auto sep = line.find(" <<< ");
    if (sep != std::string::npos) {
      sl.input = std::regex_replace(line.substr(sep + 5), std::regex(R"(\\n)"), "\n");
      line = line.substr(0, sep);
    }
    sl.args = shell_words(line);
    lines.push_back(sl);
  }
  return lines;
}

std::string normalize(std::string s, const std::string& endpoint) {
  std::stringstream in(s), out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("{\"level\":", 0) == 0) continue;  // clientv3's retry log lines
    out << line << "\n";
  }
  s = out.str();
  s = std::regex_replace(s, std::regex(endpoint), "ENDPOINT");
  s = std::regex_replace(s, std::regex("took = [0-9.]+[a-zµ]+"), "took = T");
  s = std::regex_replace(s, std::regex("\"(dbSize|dbSizeInUse)\":[0-9]+"), "\"$1\":N");
  // endpoint status as a table row: "ENDPOINT, id, version, DB SIZE, ..."
  s = std::regex_replace(s, std::regex("(ENDPOINT, [0-9a-f]+, [0-9.]+, )[0-9.]+ [kMG]?B"), "$1SIZE");
  return s;
}

void expect_same(const Server& etcd, const Server& acord, const std::vector<std::string>& args,
                 const std::string& input) {
  auto want = etcdctl(etcd.endpoint(), args, input);
  auto got = etcdctl(acord.endpoint(), args, input);
  CHECK(got.exit_code == want.exit_code);
  CHECK(normalize(got.out, acord.endpoint()) == normalize(want.out, etcd.endpoint()));
  CHECK(normalize(got.err, acord.endpoint()) == normalize(want.err, etcd.endpoint()));
}

ServerOptions options_for(const std::string& binary, const std::string& peer) {
  ServerOptions o;
  o.binary = binary;
  o.peer_url = peer;
  return o;
}

}  // namespace acord::test
