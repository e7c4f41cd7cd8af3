#include "recorder.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace acord::bench {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

Recorder::Recorder(std::string workload, bool progress) : workload_(std::move(workload)), progress_(progress) {}

Recorder::~Recorder() {
  running_ = false;
  if (progress_thread_.joinable()) progress_thread_.join();
}

Samples* Recorder::worker() {
  std::lock_guard<std::mutex> lock(mu_);
  workers_.push_back(std::make_unique<Samples>());
  return workers_.back().get();
}

void Recorder::note_error(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (first_error_.empty()) first_error_ = what;
}

void Recorder::start() {
  started_ = Clock::now();
  running_ = true;
  if (progress_) progress_thread_ = std::thread([this] { progress_loop(); });
}

std::size_t Recorder::total_ok() const {
  std::size_t n = 0;
  for (const auto& w : workers_) n += w->ok();
  return n;
}

std::size_t Recorder::total_errors() const {
  std::size_t n = 0;
  for (const auto& w : workers_) n += w->errors();
  return n;
}

void Recorder::progress_loop() {
  // On a terminal the line is rewritten in place; in a log, one line each
  // 5 seconds keeps it readable.
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto period = std::chrono::seconds(tty ? 1 : 5);
  auto next = Clock::now() + period;
  std::size_t last_ok = 0;
  while (running_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() < next) continue;
    next += period;
    std::size_t ok, errors;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ok = total_ok();
      errors = total_errors();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const double rate = static_cast<double>(ok - last_ok) / std::chrono::duration<double>(period).count();
    last_ok = ok;
    std::fprintf(stderr, "%s%s: %.1f s, %zu ok, %zu errors, %.0f ops/s now%s", tty ? "\r" : "",
                 workload_.c_str(), elapsed, ok, errors, rate, tty ? "   " : "\n");
    std::fflush(stderr);
  }
  if (tty) std::fprintf(stderr, "\r%80s\r", "");
}

Summary Recorder::stop() {
  const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  running_ = false;
  if (progress_thread_.joinable()) progress_thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::int64_t> all;
  std::size_t errors = 0;
  for (const auto& w : workers_) {
    all.insert(all.end(), w->ns().begin(), w->ns().end());
    errors += w->errors();
  }
  std::sort(all.begin(), all.end());
  auto at = [&](double q) {
    if (all.empty()) return 0.0;
    return static_cast<double>(all[static_cast<std::size_t>(q * static_cast<double>(all.size() - 1))]) / 1e6;
  };
  Summary s;
  s.workload = workload_;
  s.ops = all.size();
  s.errors = errors;
  s.seconds = seconds;
  s.ops_per_s = seconds > 0 ? static_cast<double>(all.size()) / seconds : 0;
  s.p50_ms = at(0.5);
  s.p90_ms = at(0.9);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  s.max_ms = at(1.0);
  double sum = 0;
  for (auto v : all) sum += static_cast<double>(v);
  s.mean_ms = all.empty() ? 0 : sum / static_cast<double>(all.size()) / 1e6;
  s.first_error = first_error_;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    s.client_cpu_s = secs(ru.ru_utime) + secs(ru.ru_stime);
  }
  return s;
}

void print_summary(const Summary& s, bool json) {
  if (json) {
    std::printf("{\"workload\":\"%s\",\"ops\":%zu,\"errors\":%zu,\"seconds\":%.3f,\"ops_per_s\":%.1f,"
                "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,"
                "\"client_cpu_s\":%.3f",
                s.workload.c_str(), s.ops, s.errors, s.seconds, s.ops_per_s, s.p50_ms, s.p90_ms, s.p99_ms,
                s.p999_ms, s.max_ms, s.mean_ms, s.client_cpu_s);
    for (const auto& [k, v] : s.extra) std::printf(",\"%s\":%.3f", k.c_str(), v);
    std::printf("}\n");
    return;
  }
  std::printf("%s: %zu ok, %zu errors in %.2f s: %.0f ops/s\n", s.workload.c_str(), s.ops, s.errors, s.seconds,
              s.ops_per_s);
  std::printf("  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n", s.p50_ms, s.p90_ms,
              s.p99_ms, s.p999_ms, s.max_ms, s.mean_ms);
  std::printf("  this client's CPU: %.2f s\n", s.client_cpu_s);
  for (const auto& [k, v] : s.extra) std::printf("  %s: %.2f\n", k.c_str(), v);
  if (!s.first_error.empty()) std::printf("  first error: %s\n", s.first_error.c_str());
}

}  // namespace acord::bench
