#pragma once
// One unary call on gRPC's async API: asked for on a completion queue, handed
// to the node as an actors::Call once it arrives, answered from whichever
// thread finishes it. Each arrival first asks for the method's next call on
// the same queue, so every queue always waits for one call of every method.
#include <grpcpp/grpcpp.h>

#include <functional>

#include "actors/node.hpp"
#include "server/completion_tag.hpp"
#include "server/front_context.hpp"

namespace acord::server {

inline grpc::Status to_grpc_status(const ApiError& e) {
  return e.ok() ? grpc::Status::OK : grpc::Status(static_cast<grpc::StatusCode>(e.code), e.message);
}

// A unary method: how to ask gRPC for its next call, and the call's kind.
template <class Request, class Response>
struct UnaryMethod final : AwaitedMethod {
  using Writer = grpc::ServerAsyncResponseWriter<Response>;
  using Request_ = std::function<void(grpc::ServerContext*, Request*, Writer*, grpc::ServerCompletionQueue*, void*)>;
  UnaryMethod(actors::CallKind k, Request_ r) : kind(k), request(std::move(r)) {}
  void await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const override;
  actors::CallKind kind;
  Request_ request;
};

template <class Request, class Response>
class UnaryCall final : public CompletionTag {
 public:
  using Method = UnaryMethod<Request, Response>;
  // Asks for the method's next call on `queue`.
  static void await(const FrontContext& front, const Method& method, grpc::ServerCompletionQueue* queue) {
    auto* call = new UnaryCall(front, method, queue);
    method.request(&call->context_, &call->request_, &call->writer_, queue, static_cast<CompletionTag*>(call));
  }

  void completed(bool ok) override {
    if (answered_ || !ok) {
      // Answered (whether or not the client still listened), or never
      // started because the server is shutting down.
      delete this;
      return;
    }
    await(front_, method_, queue_);
    answered_ = true;
    auto call = std::make_shared<actors::Call>();
    call->kind = method_.kind;
    call->request = &request_;
    call->response = &response_;
    call->finish = [this](const ApiError& e) {
      writer_.Finish(response_, to_grpc_status(e), static_cast<CompletionTag*>(this));
    };
    front_.node.submit(std::move(call));
  }

 private:
  UnaryCall(const FrontContext& front, const Method& method, grpc::ServerCompletionQueue* queue)
      : front_(front), live_(front.live), method_(method), queue_(queue), writer_(&context_) {}

  const FrontContext& front_;
  LiveCall live_;
  const Method& method_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  typename Method::Writer writer_;
  bool answered_ = false;  // from here the next completion is the answer's
};

template <class Request, class Response>
void UnaryMethod<Request, Response>::await(const FrontContext& front, grpc::ServerCompletionQueue* queue) const {
  UnaryCall<Request, Response>::await(front, *this, queue);
}

}  // namespace acord::server
