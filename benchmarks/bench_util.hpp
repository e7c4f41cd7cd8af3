#pragma once
// Small pieces the load generators share: flags as --key value pairs, latency
// percentiles, and a server's resident memory read from /proc.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace acord::bench {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// --key value pairs; an unknown key is an error.
class Args {
 public:
  Args(int argc, char** argv, std::map<std::string, std::string> defaults, const char* program)
      : values_(std::move(defaults)) {
    for (int i = 1; i < argc; i += 2) {
      std::string k = argv[i];
      if (k.rfind("--", 0) != 0 || !values_.count(k.substr(2)) || i + 1 >= argc) {
        std::fprintf(stderr, "%s: unknown or incomplete flag %s\n", program, k.c_str());
        std::exit(1);
      }
      values_[k.substr(2)] = argv[i + 1];
    }
  }
  std::string str(const std::string& k) const { return values_.at(k); }
  long num(const std::string& k) const { return std::stol(values_.at(k)); }
  double real(const std::string& k) const { return std::stod(values_.at(k)); }

 private:
  std::map<std::string, std::string> values_;
};

// The value at quantile q of (unsorted) samples, in milliseconds.
inline double percentile_ms(std::vector<std::int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  std::sort(ns.begin(), ns.end());
  auto at = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
  return static_cast<double>(ns[at]) / 1e6;
}

// `n` connections to one endpoint (distinct channel arguments keep gRPC from
// sharing one connection among them).
inline std::vector<std::shared_ptr<grpc::Channel>> connect(const std::string& endpoint, long n) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (long i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("acord.bench.channel", static_cast<int>(i));
    channels.push_back(grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

// Resident memory of a process, in KiB (0 if unknown).
inline long rss_kb(long pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace acord::bench
