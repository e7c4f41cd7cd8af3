#pragma once
// Maintenance.Snapshot on gRPC's async API: streams the member's state as
// etcd's snapshot file, in etcd's shape: the database in 32 KiB pieces, each
// with the bytes still to come, then its SHA-256 in a message of its own
// (etcdctl checks it on restore), sent with the status. One write in flight,
// one after another: the file is built once, by the apply actor; a client that
// goes away fails the next write, and the call finishes there.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "actors/node.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/completion_tag.hpp"
#include "server/front_context.hpp"

namespace acord::server {

struct SnapshotMethod final : AwaitedMethod {
  using Writer = grpc::ServerAsyncWriter<etcdserverpb::SnapshotResponse>;
  using Request_ = std::function<void(grpc::ServerContext*, etcdserverpb::SnapshotRequest*, Writer*,
                                      grpc::ServerCompletionQueue*, void*)>;
  explicit SnapshotMethod(Request_ r) : request(std::move(r)) {}
  void await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const override;
  Request_ request;
};

class SnapshotCall final : public CompletionTag {
 public:
  static constexpr std::size_t chunk_bytes = 32 * 1024;  // etcd's snapshotSendBufferSize
  static constexpr std::size_t digest_bytes = 32;

  static void await(const FrontContext& front, const SnapshotMethod& method, grpc::ServerCompletionQueue* queue) {
    auto* call = new SnapshotCall(front, method, queue);
    method.request(&call->context_, &call->request_, &call->writer_, queue, static_cast<CompletionTag*>(call));
  }

  void completed(bool ok) override {
    switch (state_) {
      case State::waiting:
        if (!ok) break;  // the server is shutting down
        await(front_, method_, queue_);
        state_ = State::writing;
        front_.node.etcd_snapshot([this](std::shared_ptr<const std::string> file) {
          if (!file || file->size() < digest_bytes) {
            finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: could not build the snapshot"));
            return;
          }
          file_ = std::move(file);
          next();
        });
        return;
      case State::writing:
        if (!ok) {
          finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
        } else {
          next();
        }
        return;
      case State::finishing:
        break;
    }
    delete this;
  }

 private:
  enum class State { waiting, writing, finishing };
  SnapshotCall(const FrontContext& front, const SnapshotMethod& method, grpc::ServerCompletionQueue* queue)
      : front_(front), live_(front.live), method_(method), queue_(queue), writer_(&context_) {}

  void next() {
    const std::size_t db = file_->size() - digest_bytes;
    // The database's pieces, then the digest alone.
    const std::size_t end = sent_ < db ? std::min(db, sent_ + chunk_bytes) : file_->size();
    response_.Clear();
    response_.set_blob(file_->substr(sent_, end - sent_));
    response_.set_remaining_bytes(sent_ < db ? db - end : 0);
    sent_ = end;
    if (sent_ == file_->size()) {
      // The digest, and the status with it.
      state_ = State::finishing;
      writer_.WriteAndFinish(response_, grpc::WriteOptions(), grpc::Status::OK, static_cast<CompletionTag*>(this));
      return;
    }
    writer_.Write(response_, static_cast<CompletionTag*>(this));
  }
  void finish(grpc::Status status) {
    state_ = State::finishing;
    writer_.Finish(status, static_cast<CompletionTag*>(this));
  }

  const FrontContext& front_;
  LiveCall live_;
  const SnapshotMethod& method_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  etcdserverpb::SnapshotRequest request_;
  SnapshotMethod::Writer writer_;
  State state_ = State::waiting;
  std::shared_ptr<const std::string> file_;
  std::size_t sent_ = 0;
  etcdserverpb::SnapshotResponse response_;
};

inline void SnapshotMethod::await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const {
  SnapshotCall::await(front, *this, queue);
}

}  // namespace acord::server
