#pragma once
// A test's own Watch stream over the generated stubs: requests go out as the
// test sends them; responses are collected by a reader thread, so the test
// waits for them with a deadline instead of blocking on a read.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::test {

class WatchClient {
 public:
  explicit WatchClient(const std::string& endpoint);
  ~WatchClient();
  bool send(const etcdserverpb::WatchRequest& r);
  // Waits until `n` responses have arrived in all (or the deadline passes);
  // returns every response so far.
  std::vector<etcdserverpb::WatchResponse> wait_for(std::size_t n,
                                                    std::chrono::milliseconds deadline = std::chrono::seconds(10));
  std::size_t count();
  // The server ended the stream (or went away).
  bool ended();
  // Reads are held back until resume() (a client that does not read).
  void pause() { paused_ = true; }
  void resume();
  // Creates a watch; returns the request's create part for further settings.
  static etcdserverpb::WatchRequest create(const std::string& key, const std::string& end = "",
                                           std::int64_t start_revision = 0);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::Watch::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>> stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<etcdserverpb::WatchResponse> got_;
  std::thread reader_;
  bool ended_ = false;
  std::atomic<bool> paused_{false};
};

}  // namespace acord::test
