#pragma once
// The fault test's clients, over the generated etcd stubs: each client thread
// issues puts, linearizable gets, compare-and-set txns and deletes on a small
// key set, through a member it picks at random, and records every operation
// with its invoke and complete times and outcome. Watchers follow the key
// set's prefix from revision 1, resuming on another member from their last
// revision when a stream breaks, and record every event they see.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "history.hpp"

namespace acord::fault {

inline const std::string key_prefix = "r/";
inline const std::string key_prefix_end = "r0";

// A channel that retries a restarted member quickly (gRPC's default backoff
// grows to minutes).
std::shared_ptr<grpc::Channel> fast_channel(const std::string& endpoint);

struct SeenEvent {
  std::int64_t revision = 0;
  bool put = true;
  std::string key, value;
  friend bool operator==(const SeenEvent& a, const SeenEvent& b) {
    return a.revision == b.revision && a.put == b.put && a.key == b.key && a.value == b.value;
  }
};

// The store's history of [key, end) from revision 1, read by a fresh watch on
// `endpoint` up to the first event of `marker` (a last write made once every
// client stopped), which is left out.
std::vector<SeenEvent> history_until(const std::string& endpoint, const std::string& key, const std::string& end,
                                     const std::string& marker);

class Workload {
 public:
  Workload(std::vector<std::string> endpoints, int clients, int watchers, int keys, std::uint64_t seed);
  ~Workload();
  void start();
  void stop();  // waits for every client to finish its operation in flight

  std::vector<Op> history() const;
  std::vector<std::vector<SeenEvent>> watched() const;

 private:
  void client_loop(int id);
  void watcher_loop(int id);

  std::vector<std::string> endpoints_;
  int clients_, watchers_, keys_;
  std::uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::vector<Op> history_;
  std::vector<std::vector<SeenEvent>> watched_;
  std::vector<std::shared_ptr<grpc::ClientContext>> watch_contexts_;
};

std::int64_t now_ns();

}  // namespace acord::fault
