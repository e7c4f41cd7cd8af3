#pragma once
// The settings every workload shares (as etcd's benchmark tool names them:
// endpoints, conns, clients, total, key and value sizes) and the closed loop
// that runs unary requests: each client keeps one request outstanding and
// sends the next from the previous one's completion (gRPC's callback API), so a
// thousand clients need no thousand threads.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "recorder.hpp"

namespace acord::bench {

struct Common {
  std::vector<std::string> endpoints{"127.0.0.1:2379"};
  int conns = 1;      // gRPC connections, spread over the endpoints
  int clients = 1;    // concurrent requests (closed loop)
  long total = 10000; // requests in all (0: run for --duration)
  double duration_s = 0;
  int key_size = 8;
  int val_size = 8;
  long key_space = 1;
  bool sequential_keys = false;
  bool random_values = false;  // incompressible values, each a different slice of random bytes
  bool json = false;
  bool progress = true;
};

std::vector<std::shared_ptr<grpc::Channel>> connect(const Common& c);

// One stub of a service per connection.
template <class Service>
auto stubs_of(const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(Service::NewStub(ch));
  return stubs;
}

// What a run may still send: `total` requests in all (if set) and nothing
// after `duration_s` (if set). Shared by the clients of a run; thread-safe.
class RequestBudget {
 public:
  explicit RequestBudget(const Common& c);
  // True if one more request may go (and counts it).
  bool take();

 private:
  long total_;
  bool timed_;
  Clock::time_point end_;
  std::atomic<long> taken_{0};
};

// Key number i of the key space as a fixed-width string of key_size bytes
// ("k" then zero-padded digits), so keys sort as their numbers do.
std::string key_of(long i, int key_size);

// One request of a unary workload: `issue` starts it (for the `seq`th request
// of client `client`) with a fresh context and calls `done` with its status
// once it completes.
using Issue = std::function<void(int client, long seq, grpc::ClientContext* ctx,
                                 std::function<void(const grpc::Status&)> done)>;

// Runs `clients` closed-loop clients until `total` requests completed (or
// `duration_s` passed) and returns what was measured.
Summary run_closed_loop(const Common& c, const std::string& workload, const Issue& issue);

}  // namespace acord::bench
