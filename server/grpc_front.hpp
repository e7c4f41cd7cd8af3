#pragma once
// etcd's gRPC services on the client port, on gRPC's async API: a few
// completion queues, each polled by exactly one thread of ours. Each call
// becomes an actors::Call (a stream, a StreamSession) handed to the node;
// the answer is sent from whichever thread gives it.
//
// Why not the callback API: in gRPC 1.51 its completions are polled by a pool
// of gRPC's own threads that hand each event to another thread, two futex
// wakes and an eventfd write per call; with one thread per queue the thread
// that polls is the one that runs the call. One client's serial gets took
// 198 µs of the member's CPU each with the callback API, 132 with this
// (benchmarks/RESULTS.md, issue #16). A queue served by two threads wakes one
// for the other again: worse.
//
// Methods not built yet (the Auth service) are not registered: gRPC answers
// them UNIMPLEMENTED itself.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "actors/node.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/front_context.hpp"

namespace acord::server {

class GrpcFront {
 public:
  // Registers the services with `builder` and adds `threads` queues to it.
  GrpcFront(actors::Node& node, grpc::ServerBuilder& builder, int threads);
  ~GrpcFront();
  GrpcFront(const GrpcFront&) = delete;
  GrpcFront& operator=(const GrpcFront&) = delete;

  // Once the server is built: every queue waits for a call of every method,
  // and its thread starts.
  void start();
  // Once server->Shutdown() has returned, or the server was never started:
  // once every call object is gone (their last completions come back while
  // the queues still turn), the queues are drained and their threads end.
  // False if calls were still alive at `deadline` (some answer never came):
  // the queues then keep turning, for whatever answer comes late, and the
  // server must not be destroyed.
  bool stop(std::chrono::steady_clock::time_point deadline);

  // The queues (and threads) when nothing says otherwise: one per two cores,
  // up to four. The member's own work runs on its actor threads; a second
  // queue on 2 cores cost more CPU per call than it saved (issue #16: one
  // client's keep-alives 152 µs of the members' CPU each with two queues, 92
  // with one; 256 clients' puts 178 and 164).
  static int default_threads();

 private:
  LiveCalls live_;
  FrontContext context_;
  etcdserverpb::KV::AsyncService kv_;
  etcdserverpb::Watch::AsyncService watch_;
  etcdserverpb::Lease::AsyncService lease_;
  etcdserverpb::Cluster::AsyncService cluster_;
  etcdserverpb::Maintenance::AsyncService maintenance_;
  std::vector<std::unique_ptr<AwaitedMethod>> methods_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace acord::server
