#pragma once
// Maintenance.Snapshot: streams the member's state as etcd's snapshot file,
// in etcd's shape: the database in 32 KiB pieces, each with the bytes still
// to come, then its SHA-256 in a message of its own (etcdctl checks it on
// restore). One write in flight; the file is built once, by the apply actor.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <string>

#include "actors/node.hpp"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::server {

class SnapshotReactor final : public grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse> {
 public:
  static constexpr std::size_t chunk_bytes = 32 * 1024;  // etcd's snapshotSendBufferSize
  static constexpr std::size_t digest_bytes = 32;

  explicit SnapshotReactor(actors::Node& node) {
    node.etcd_snapshot([this](std::shared_ptr<const std::string> file) {
      if (!file || file->size() < digest_bytes) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: could not build the snapshot"));
        return;
      }
      file_ = std::move(file);
      next();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    next();
  }
  void OnDone() override { delete this; }

 private:
  void next() {
    const std::size_t db = file_->size() - digest_bytes;
    if (sent_ == file_->size()) {
      Finish(grpc::Status::OK);
      return;
    }
    // The database's pieces, then the digest alone.
    const std::size_t end = sent_ < db ? std::min(db, sent_ + chunk_bytes) : file_->size();
    response_.Clear();
    response_.set_blob(file_->substr(sent_, end - sent_));
    response_.set_remaining_bytes(sent_ < db ? db - end : 0);
    sent_ = end;
    StartWrite(&response_);
  }

  std::shared_ptr<const std::string> file_;
  std::size_t sent_ = 0;
  etcdserverpb::SnapshotResponse response_;
};

}  // namespace acord::server
