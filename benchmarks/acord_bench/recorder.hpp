#pragma once
// What a benchmark run measured: every operation's latency (or error), kept per
// worker without locks on the hot path and merged at the end, a progress line
// while it runs, and the report — text for people, one JSON object for
// machines (benchmarks/vs-etcd.sh reads it).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace acord::bench {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns();

// Latencies of one worker (one closed-loop client, one stream): only that
// worker appends, so no lock; the recorder reads counts through atomics.
class Samples {
 public:
  void add(std::int64_t latency_ns) {
    ns_.push_back(latency_ns);
    ok_.store(ns_.size(), std::memory_order_relaxed);
  }
  void error() { errors_.fetch_add(1, std::memory_order_relaxed); }
  std::size_t ok() const { return ok_.load(std::memory_order_relaxed); }
  std::size_t errors() const { return errors_.load(std::memory_order_relaxed); }
  const std::vector<std::int64_t>& ns() const { return ns_; }

 private:
  std::vector<std::int64_t> ns_;
  std::atomic<std::size_t> ok_{0};
  std::atomic<std::size_t> errors_{0};
};

struct Summary {
  std::string workload;
  std::size_t ops = 0;
  std::size_t errors = 0;
  double seconds = 0;
  double ops_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  // This tool's own CPU time (user + system) over the whole run: on a machine
  // it shares with the servers, what the load itself costs.
  double client_cpu_s = 0;
  // Figures a workload adds (watch: events, events_per_s; lease: leases ...).
  std::map<std::string, double> extra;
  // The first error's text, so a failing run says why.
  std::string first_error;
};

class Recorder {
 public:
  // progress: print a progress line on stderr once a second.
  Recorder(std::string workload, bool progress);
  ~Recorder();

  // A fresh sample set for one worker; valid for the recorder's lifetime.
  Samples* worker();
  void note_error(const std::string& what);
  // Starts the clock (and the progress line).
  void start();
  // Stops the clock; the summary covers start() to stop().
  Summary stop();

 private:
  void progress_loop();
  std::size_t total_ok() const;
  std::size_t total_errors() const;

  std::string workload_;
  bool progress_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Samples>> workers_;
  std::string first_error_;
  Clock::time_point started_;
  std::atomic<bool> running_{false};
  std::thread progress_thread_;
};

// Prints the summary: a few lines of text, or one JSON object.
void print_summary(const Summary& s, bool json);

}  // namespace acord::bench
