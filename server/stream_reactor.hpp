#pragma once
// A bidirectional gRPC stream (callback API) bound to a node's stream
// session: each request read goes to the session; the session's responses
// are queued and written one at a time (gRPC allows one write in flight).
// The stream ends when the client goes away (the session is told, and
// releases what the stream held) or when the session closes it. A client that
// sends but does not read is not read from while stream_backlog_max responses
// wait for it, so it cannot make the server queue without bound.
#include <deque>
#include <grpcpp/grpcpp.h>
#include <memory>
#include <mutex>

#include "actors/node.hpp"
#include "core/limits.hpp"

namespace acord::server {

template <class Request, class Response>
class StreamReactor final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  StreamReactor(actors::Node& node, actors::StreamKind kind) : sink_(std::make_shared<Sink>(this)) {
    session_ = node.open_stream(kind, sink_);
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client closed its side (or went away: then OnCancel follows).
      session_->half_close();
      return;
    }
    auto m = std::make_unique<Request>();
    m->Swap(&request_);
    session_->receive(std::move(m));
    if (sink_->pause_reading_if_full()) return;  // resumed once the client has read
    this->StartRead(&request_);
  }
  void OnWriteDone(bool ok) override { sink_->written(ok); }
  void OnCancel() override { sink_->close(ApiError{StatusCode::canceled, "context canceled"}); }
  void OnDone() override {
    sink_->detach();
    session_->end();
    delete this;
  }

 private:
  // The session's side: thread-safe, and inert once the stream is done.
  class Sink final : public actors::StreamSink {
   public:
    explicit Sink(StreamReactor* r) : reactor_(r) {}
    void write(std::unique_ptr<google::protobuf::Message> m) override {
      std::lock_guard<std::mutex> lock(mu_);
      if (reactor_ == nullptr || closing_) return;
      queue_.push_back(std::move(m));
      if (!writing_) start_next();
    }
    std::size_t backlog() const override {
      std::lock_guard<std::mutex> lock(mu_);
      return queue_.size();
    }
    void close(const ApiError& e) override {
      std::lock_guard<std::mutex> lock(mu_);
      if (reactor_ == nullptr || closing_) return;
      closing_ = true;
      status_ = e.ok() ? grpc::Status::OK : grpc::Status(static_cast<grpc::StatusCode>(e.code), e.message);
      if (!writing_) finish();
    }
    // True if the backlog is full: reading stops until it drains.
    bool pause_reading_if_full() {
      std::lock_guard<std::mutex> lock(mu_);
      read_paused_ = queue_.size() >= limits::stream_backlog_max;
      return read_paused_;
    }
    void written(bool ok) {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (!queue_.empty()) queue_.pop_front();
      if (reactor_ == nullptr) return;
      if (read_paused_ && ok && !closing_ && queue_.size() < limits::stream_backlog_max) {
        read_paused_ = false;
        reactor_->StartRead(&reactor_->request_);
      }
      if (!ok) {
        // The stream broke: nothing more can be written.
        queue_.clear();
        if (!closing_) {
          closing_ = true;
          status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed");
        }
      }
      if (!queue_.empty()) {
        start_next();
      } else if (closing_) {
        finish();
      }
    }
    void detach() {
      std::lock_guard<std::mutex> lock(mu_);
      reactor_ = nullptr;
      queue_.clear();
    }

   private:
    void start_next() {
      writing_ = true;
      // More waiting behind this one: gRPC may hold it back and send it with
      // them (the last of a burst goes without the hint and flushes them all).
      grpc::WriteOptions options;
      if (queue_.size() > 1) options.set_buffer_hint();
      reactor_->StartWrite(static_cast<const Response*>(queue_.front().get()), options);
    }
    void finish() {
      if (finished_) return;
      finished_ = true;
      queue_.clear();
      reactor_->Finish(status_);
    }
    mutable std::mutex mu_;
    StreamReactor* reactor_;
    std::deque<std::unique_ptr<google::protobuf::Message>> queue_;
    bool writing_ = false;
    bool closing_ = false;
    bool finished_ = false;
    bool read_paused_ = false;
    grpc::Status status_;
  };

  std::shared_ptr<Sink> sink_;
  std::unique_ptr<actors::StreamSession> session_;
  Request request_;
};

}  // namespace acord::server
