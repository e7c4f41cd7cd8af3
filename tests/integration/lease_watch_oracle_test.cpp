// Leases and watches, with etcd as the oracle: the same etcdctl commands
// against a real etcd and against acord must print the same. The script
// (lease_watch_script.txt) adds a few directives to plain commands:
//   <command> => NAME     the lease id the command printed (its 2nd word) is
//                         kept as $NAME, per server: ids are random, so each
//                         server's own id is put in, and masked back to $NAME
//                         in what the servers print
//   & <command>           runs in the background (a watch) until @stop
//   @wait <text>          waits until every background command printed <text>
//   @stop <text>          waits until every background command printed
//                         <text> (or its base64, for -w json), stops them,
//                         and compares their output
//   @until <text> : <command>   repeats the command on each server until it
//                         prints <text> (a lease expiring), not compared
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <regex>

#include "oracle.hpp"

using namespace acord::test;

namespace {

struct Side {
  const Server* server;
  std::map<std::string, std::string> vars;  // name -> lease id in hex
  std::vector<std::unique_ptr<Child>> background;
  std::vector<std::string> logs;
  int started = 0;  // background commands so far: each logs to its own file
  TempDir dir;
};

std::vector<std::string> substitute(std::vector<std::string> args, const Side& side) {
  for (auto& a : args) {
    for (const auto& [name, value] : side.vars) {
      a = std::regex_replace(a, std::regex("\\$" + name + "\\b"), value);
    }
  }
  return args;
}

// etcd lists a lease's keys in its map's (random) order: compare them sorted.
std::string sort_attached_keys(const std::string& s) {
  std::regex attached("attached keys\\(\\[([^\\]]*)\\]\\)");
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), attached);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    auto keys = shell_words((*it)[1].str());
    std::sort(keys.begin(), keys.end());
    std::string joined;
    for (const auto& k : keys) joined += (joined.empty() ? "" : " ") + k;
    out += s.substr(last, static_cast<std::size_t>(it->position()) - last) + "attached keys([" + joined + "])";
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + s.substr(last);
}

std::string mask(std::string s, const Side& side) {
  s = sort_attached_keys(normalize(std::move(s), side.server->endpoint()));
  for (const auto& [name, hex] : side.vars) {
    const auto dec = std::to_string(static_cast<std::int64_t>(std::stoull(hex, nullptr, 16)));
    s = std::regex_replace(s, std::regex(hex), "$" + name);
    s = std::regex_replace(s, std::regex("\\b" + dec + "\\b"), "$" + name);
  }
  return s;
}

std::vector<std::string> etcdctl_argv(const Side& side, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + side.server->endpoint(), "--dial-timeout=3s",
                                   "--command-timeout=5s"};
  auto subst = substitute(args, side);
  argv.insert(argv.end(), subst.begin(), subst.end());
  return argv;
}

// etcdctl -w json prints keys and values in base64.
std::string base64(const std::string& in) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += digits[(v >> shift) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += i + 1 < in.size() ? digits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

}  // namespace

TEST_CASE("etcdctl leases and watches print the same against acord as against etcd", "[oracle][etcdctl][lease][watch]") {
  REQUIRE(std::ifstream(etcd_binary()).good());
  Pair servers;
  Side etcd{&servers.etcd}, acord{&servers.acord};
  for (const auto& line : load_script(LEASE_WATCH_SCRIPT)) {
    INFO("script: " << line.text);
    auto args = line.args;
    if (args.empty()) continue;
    if (args[0] == "&") {
      args.erase(args.begin());
      for (auto* side : {&etcd, &acord}) {
        side->logs.push_back(side->dir.path + "/bg" + std::to_string(side->started++) + ".log");
        side->background.push_back(std::make_unique<Child>(etcdctl_argv(*side, args), side->logs.back()));
      }
      continue;
    }
    if (args[0] == "@stop" || args[0] == "@wait") {
      const auto marker = trim(line.text.substr(args[0].size()));
      for (auto* side : {&etcd, &acord}) {
        for (const auto& log : side->logs) {
          INFO("background output so far: " << read_file(log));
          CHECK(wait_until(
              [&] {
                const auto text = read_file(log);
                return text.find(marker) != std::string::npos || text.find(base64(marker)) != std::string::npos;
              },
              std::chrono::seconds(15)));
        }
        if (args[0] == "@wait") continue;
        for (auto& child : side->background) {
          child->signal(SIGTERM);
          child->wait(std::chrono::seconds(5));
        }
      }
      if (args[0] == "@wait") continue;
      REQUIRE(etcd.logs.size() == acord.logs.size());
      for (std::size_t i = 0; i < etcd.logs.size(); ++i) {
        INFO("background command " << i);
        CHECK(mask(read_file(acord.logs[i]), acord) == mask(read_file(etcd.logs[i]), etcd));
      }
      for (auto* side : {&etcd, &acord}) {
        side->background.clear();
        side->logs.clear();
      }
      continue;
    }
    if (args[0] == "@until") {
      const auto rest = line.text.substr(std::string("@until").size());
      const auto colon = rest.find(" : ");
      REQUIRE(colon != std::string::npos);
      const auto text = trim(rest.substr(0, colon));
      const auto command = shell_words(rest.substr(colon + 3));
      for (auto* side : {&etcd, &acord}) {
        CHECK(wait_until([&] { return run_command(etcdctl_argv(*side, command)).out.find(text) != std::string::npos; },
                         std::chrono::seconds(15), std::chrono::milliseconds(100)));
      }
      continue;
    }
    std::string capture;
    if (args.size() >= 2 && args[args.size() - 2] == "=>") {
      capture = args.back();
      args.resize(args.size() - 2);
    }
    auto want = run_command(etcdctl_argv(etcd, args), line.input);
    auto got = run_command(etcdctl_argv(acord, args), line.input);
    if (!capture.empty()) {
      for (auto [side, result] : {std::make_pair(&etcd, &want), std::make_pair(&acord, &got)}) {
        auto words = shell_words(result->out);
        REQUIRE(words.size() >= 2);
        side->vars[capture] = words[1];
      }
    }
    CHECK(got.exit_code == want.exit_code);
    CHECK(mask(got.out, acord) == mask(want.out, etcd));
    CHECK(mask(got.err, acord) == mask(want.err, etcd));
  }
}
