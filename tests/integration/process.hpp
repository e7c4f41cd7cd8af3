#pragma once
// Small helpers for tests that run real processes: free loopback ports,
// child processes we own (and stop by pid), commands run to completion with a
// deadline, and waiting on a condition with a deadline instead of sleeping.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace acord::test {

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// A fresh directory under /tmp, removed by the destructor.
struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
};

struct CommandResult {
  int exit_code = -1;  // -1: killed at the deadline
  std::string out, err;
};

// Runs argv[0] (searched on PATH) with `input` on stdin; kills it at the deadline.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::milliseconds deadline = std::chrono::seconds(20));

// A long-running child (a server). Output goes to `log_path`. The destructor
// kills it (SIGKILL) if it still runs.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the child to exit; returns its exit code, or -1 on timeout.
  int wait(std::chrono::milliseconds deadline);
  bool running();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Polls `cond` until it is true or the deadline passes; returns the last result.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds deadline,
                std::chrono::milliseconds every = std::chrono::milliseconds(20));

std::string read_file(const std::string& path);

}  // namespace acord::test
