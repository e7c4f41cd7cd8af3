#pragma once
// What every call on the gRPC front needs: the node it hands work to, and the
// count of call objects alive. gRPC's Server::Shutdown does not wait for an
// async server's call objects (it cancels their calls and returns once the
// connections are gone), yet no operation may start on a completion queue
// after it is shut down: the front shuts its queues down only once every call
// object is gone (GrpcFront::stop).
#include <chrono>
#include <condition_variable>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "actors/node.hpp"

namespace acord::server {

class LiveCalls {
 public:
  void add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
  }
  void remove() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ == 0) none_.notify_all();
  }
  // True once no call object is alive; false if some still are at `deadline`.
  bool wait_none(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return none_.wait_until(lock, deadline, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable none_;
  long count_ = 0;
};

struct FrontContext {
  actors::Node& node;
  LiveCalls& live;
};

// One method of a service, as the front serves it: asks gRPC for its next
// call on a queue (each call, once it arrives, asks for the one after it).
class AwaitedMethod {
 public:
  virtual ~AwaitedMethod() = default;
  virtual void await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const = 0;
};

// Counts its call object alive from construction to destruction.
class LiveCall {
 public:
  explicit LiveCall(LiveCalls& live) : live_(live) { live_.add(); }
  ~LiveCall() { live_.remove(); }
  LiveCall(const LiveCall&) = delete;
  LiveCall& operator=(const LiveCall&) = delete;

 private:
  LiveCalls& live_;
};

}  // namespace acord::server
