#pragma once
// One bidirectional stream (Watch, LeaseKeepAlive) on gRPC's async API, bound
// to a node's stream session: each request read goes to the session; the
// session's responses are queued and written one at a time (gRPC allows one
// write and one read in flight). The stream ends when the client goes away
// (the session is told, and releases what the stream held) or when the
// session closes it. A client that sends but does not read is not read from
// while stream_backlog_max responses wait for it, so it cannot make the
// server queue without bound.
//
// The call lives until gRPC has returned every tag it was given (start,
// read, write, finish, done); the sink the session holds may outlive it and
// is inert from the moment gRPC says the call is done.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "actors/node.hpp"
#include "core/limits.hpp"
#include "server/completion_tag.hpp"
#include "server/front_context.hpp"
#include "server/unary_call.hpp"

namespace acord::server {

template <class Request, class Response>
struct StreamMethod final : AwaitedMethod {
  using Stream = grpc::ServerAsyncReaderWriter<Response, Request>;
  using Request_ = std::function<void(grpc::ServerContext*, Stream*, grpc::ServerCompletionQueue*, void*)>;
  StreamMethod(actors::StreamKind k, Request_ r) : kind(k), request(std::move(r)) {}
  void await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const override;
  actors::StreamKind kind;
  Request_ request;
};

template <class Request, class Response>
class StreamCall {
 public:
  using Method = StreamMethod<Request, Response>;
  static void await(const FrontContext& front, const Method& method, grpc::ServerCompletionQueue* queue) {
    auto* call = new StreamCall(front, method, queue);
    // Asked for before the call starts, as gRPC requires; delivered only
    // if it does start.
    call->context_.AsyncNotifyWhenDone(static_cast<CompletionTag*>(&call->done_tag_));
    method.request(&call->context_, &call->stream_, queue, static_cast<CompletionTag*>(&call->start_tag_));
  }

 private:
  // The session's side: thread-safe, and inert once the call is done. Its
  // mutex guards the call's state too (the call may go before the sink).
  class Sink final : public actors::StreamSink {
   public:
    explicit Sink(StreamCall* call) : call_(call) {}
    void write(std::unique_ptr<google::protobuf::Message> m) override {
      std::lock_guard<std::mutex> lock(mu_);
      if (call_ != nullptr) call_->queue_response(std::move(m));
    }
    // Without the lock: the watch actor asks before every event it sends.
    std::size_t backlog() const override { return backlog_.load(std::memory_order_relaxed); }
    void close(const ApiError& e) override {
      std::lock_guard<std::mutex> lock(mu_);
      if (call_ != nullptr) call_->close(to_grpc_status(e));
    }

   private:
    friend class StreamCall;
    mutable std::mutex mu_;
    StreamCall* call_;
    std::atomic<std::size_t> backlog_{0};  // the call's queue's length, kept by the call
  };

  StreamCall(const FrontContext& front, const Method& method, grpc::ServerCompletionQueue* queue)
      : front_(front),
        live_(front.live),
        method_(method),
        queue_of_calls_(queue),
        stream_(&context_),
        sink_(std::make_shared<Sink>(this)) {}

  // --- completions, on the queue's thread ---------------------------------
  void started(bool ok) {
    if (!ok) {  // the server is shutting down: no call, no done tag
      delete this;
      return;
    }
    await(front_, method_, queue_of_calls_);
    {
      std::lock_guard<std::mutex> lock(sink_->mu_);
      ++in_flight_;  // the done tag
    }
    // The session may write at once; its reads come once this returns (the
    // queue has one thread).
    session_ = front_.node.open_stream(method_.kind, sink_);
    std::lock_guard<std::mutex> lock(sink_->mu_);
    if (!closing_) start_read();
  }
  void read_done(bool ok) {
    auto sink = sink_;
    std::unique_lock<std::mutex> lock(sink->mu_);
    if (!ok) {
      // The client closed its side, or went away (the done tag then tells).
      if (!done_) {
        lock.unlock();
        session_->half_close();
        lock.lock();
      }
    } else if (!done_) {
      auto m = std::make_unique<Request>();
      m->Swap(&request_);
      // The session may answer at once, from this thread: not under the lock.
      lock.unlock();
      session_->receive(std::move(m));
      lock.lock();
      if (!done_ && !closing_) {
        if (queue_.size() >= limits::stream_backlog_max) {
          read_paused_ = true;  // resumed once the client has read
        } else {
          start_read();
        }
      }
    }
    release(lock);
  }
  void write_done(bool ok) {
    auto sink = sink_;
    std::unique_lock<std::mutex> lock(sink->mu_);
    writing_ = false;
    if (!queue_.empty()) queue_.pop_front();
    if (!ok) {
      // The stream broke: nothing more can be written.
      queue_.clear();
      if (!closing_) {
        closing_ = true;
        status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed");
      }
    }
    queue_changed();
    if (read_paused_ && !done_ && !closing_ && queue_.size() < limits::stream_backlog_max) {
      read_paused_ = false;
      start_read();
    }
    if (!queue_.empty() && !done_) {
      start_write();
    } else if (closing_) {
      finish();
    }
    release(lock);
  }
  void finish_done(bool) {
    auto sink = sink_;
    std::unique_lock<std::mutex> lock(sink->mu_);
    release(lock);
  }
  void call_done(bool) {
    auto sink = sink_;
    std::unique_lock<std::mutex> lock(sink->mu_);
    done_ = true;
    sink->call_ = nullptr;  // the session's writes go nowhere from here
    queue_.clear();
    queue_changed();
    lock.unlock();
    // Answered or gone, the client is done: the session lets go of what the
    // stream held. gRPC fails whatever read or write is still in flight.
    session_->end();
    lock.lock();
    release(lock);
  }

  // --- under the sink's lock ----------------------------------------------
  void queue_response(std::unique_ptr<google::protobuf::Message> m) {
    if (closing_ || done_) return;
    queue_.push_back(std::move(m));
    queue_changed();
    if (!writing_) start_write();
  }
  void close(grpc::Status status) {
    if (closing_ || done_) return;
    closing_ = true;
    status_ = std::move(status);
    if (!writing_) finish();
  }
  void start_read() {
    ++in_flight_;
    stream_.Read(&request_, static_cast<CompletionTag*>(&read_tag_));
  }
  void start_write() {
    writing_ = true;
    ++in_flight_;
    // More waiting behind this one: gRPC may hold it back and send it with
    // them (the last of a burst goes without the hint and flushes them all).
    grpc::WriteOptions options;
    if (queue_.size() > 1) options.set_buffer_hint();
    stream_.Write(*static_cast<const Response*>(queue_.front().get()), options, static_cast<CompletionTag*>(&write_tag_));
  }
  void finish() {
    if (finished_ || done_) return;
    finished_ = true;
    queue_.clear();
    queue_changed();
    ++in_flight_;
    stream_.Finish(status_, static_cast<CompletionTag*>(&finish_tag_));
  }
  void queue_changed() { sink_->backlog_.store(queue_.size(), std::memory_order_relaxed); }
  // One tag came back; the last one frees the call (after the lock is let go:
  // the mutex lives in the sink, which the call may be holding last).
  void release(std::unique_lock<std::mutex>& lock) {
    if (--in_flight_ > 0) return;
    lock.unlock();
    delete this;
  }

  const FrontContext& front_;
  LiveCall live_;
  const Method& method_;
  grpc::ServerCompletionQueue* queue_of_calls_;
  grpc::ServerContext context_;
  typename Method::Stream stream_;
  std::shared_ptr<Sink> sink_;
  std::unique_ptr<actors::StreamSession> session_;
  Request request_;
  std::deque<std::unique_ptr<google::protobuf::Message>> queue_;
  grpc::Status status_;
  int in_flight_ = 0;  // tags gRPC holds (done, read, write, finish)
  bool writing_ = false;
  bool read_paused_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool done_ = false;
  EventTag<StreamCall> start_tag_{this, &StreamCall::started};
  EventTag<StreamCall> read_tag_{this, &StreamCall::read_done};
  EventTag<StreamCall> write_tag_{this, &StreamCall::write_done};
  EventTag<StreamCall> finish_tag_{this, &StreamCall::finish_done};
  EventTag<StreamCall> done_tag_{this, &StreamCall::call_done};
};

template <class Request, class Response>
void StreamMethod<Request, Response>::await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const {
  StreamCall<Request, Response>::await(front, *this, queue);
}

}  // namespace acord::server
