#pragma once
// A client stream (a bidirectional gRPC call: LeaseKeepAlive, Watch) as the
// actors see it. The front hands each request to the node's StreamSession;
// the actors answer through the StreamSink, which the front implements. Like
// Call, this keeps gRPC out of the actors and CAF out of the front.
#include <cstddef>
#include <memory>

#include "core/kv/api_error.hpp"

namespace google::protobuf {
class Message;
}

namespace acord::actors {

enum class StreamKind { lease_keep_alive, watch };

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues a response for the client; dropped once the stream has ended.
  // Safe to call from any thread; responses go out in the order written.
  virtual void write(std::unique_ptr<google::protobuf::Message> response) = 0;
  // Responses queued and not yet taken by the client (for flow control).
  virtual std::size_t backlog() const = 0;
  // Ends the stream with this status once the queued responses are out.
  virtual void close(const ApiError& status) = 0;
};
using StreamSinkPtr = std::shared_ptr<StreamSink>;

// The node's side of one client stream: one session actor behind it.
class StreamSession {
 public:
  virtual ~StreamSession() = default;
  // One request from the client (the session owns it from now on).
  virtual void receive(std::unique_ptr<google::protobuf::Message> request) = 0;
  // The client sends nothing more, but still reads: a keep-alive stream ends
  // once every request has its answer; a watch stream stays open (as etcd's).
  virtual void half_close() = 0;
  // The client is gone: whatever the stream held (watches) is released.
  virtual void end() = 0;
};

}  // namespace acord::actors
