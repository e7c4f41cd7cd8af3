#include "actors/stream_sessions.hpp"

#include "actors/clock.hpp"
#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {

using namespace etcdserverpb;

caf::behavior keep_alive_session(caf::event_based_actor* self, std::shared_ptr<SessionContext> ctx,
                                 StreamSinkPtr sink) {
  // Requests still waiting for their answer, and whether the client is done
  // sending: the stream ends OK once both say so (as etcd's ends on EOF).
  struct Progress {
    std::size_t pending = 0;
    bool client_done = false;
  };
  auto progress = std::make_shared<Progress>();
  auto end_stream = [=](const ApiError& status) {
    sink->close(status);
    self->quit();
  };
  auto answered = [=] {
    --progress->pending;
    if (progress->client_done && progress->pending == 0) end_stream(errors::ok());
  };
  return {
      [=](stream_request_atom, const StreamMessagePtr& m) {
        ++progress->pending;
        const auto id = static_cast<const LeaseKeepAliveRequest&>(*m).id();
        self->request(ctx->leases, std::chrono::milliseconds(limits::request_timeout_ms), lease_atom::value,
                      static_cast<std::uint8_t>(LeaseQuery::renew), id, false)
            .then(
                [=](const ResultPtr& r) {
                  if (!r->error.ok()) return end_stream(r->error);
                  std::unique_ptr<LeaseKeepAliveResponse> out(new LeaseKeepAliveResponse());
                  out->Swap(static_cast<LeaseKeepAliveResponse*>(r->response.get()));
                  sink->write(std::move(out));
                  answered();
                },
                [=](caf::error&) { end_stream(errors::timeout()); });
      },
      [=](stream_done_atom) {
        progress->client_done = true;
        if (progress->pending == 0) end_stream(errors::ok());
      },
      [=](stream_end_atom) { self->quit(); },
  };
}

caf::behavior watch_session(caf::event_based_actor* self, std::shared_ptr<SessionContext> ctx, StreamSinkPtr sink) {
  const auto stream = ctx->next_stream_id.fetch_add(1);
  auto command = [=](WatchCommand::Op op) {
    auto c = std::make_shared<WatchCommand>();
    c->op = op;
    c->stream = stream;
    c->sink = sink;
    return c;
  };
  return {
      [=](stream_request_atom, const StreamMessagePtr& m) {
        const auto& req = static_cast<const WatchRequest&>(*m);
        switch (req.request_union_case()) {
          case WatchRequest::kCreateRequest: {
            auto c = command(WatchCommand::Op::create);
            c->create = std::shared_ptr<const WatchCreateRequest>(m, &req.create_request());
            self->send(ctx->watch, watch_atom::value, WatchCommandPtr(c));
            break;
          }
          case WatchRequest::kCancelRequest: {
            auto c = command(WatchCommand::Op::cancel);
            c->watch_id = req.cancel_request().watch_id();
            self->send(ctx->watch, watch_atom::value, WatchCommandPtr(c));
            break;
          }
          case WatchRequest::kProgressRequest:
            self->send(ctx->watch, watch_atom::value, WatchCommandPtr(command(WatchCommand::Op::progress)));
            break;
          default:
            break;  // etcd ignores what it does not know
        }
      },
      [=](stream_done_atom) {},  // etcd keeps a watch stream open after the client's half-close
      [=](stream_end_atom) {
        // The client is gone: its watches go with it.
        self->send(ctx->watch, watch_atom::value, WatchCommandPtr(command(WatchCommand::Op::drop_stream)));
        self->quit();
      },
  };
}

namespace {

// A client stream's requests, handed to its session actor.
class ActorStream : public StreamSession {
 public:
  explicit ActorStream(caf::actor session) : session_(std::move(session)) {}
  void receive(std::unique_ptr<google::protobuf::Message> request) override {
    caf::anon_send(session_, stream_request_atom::value, StreamMessagePtr(std::move(request)));
  }
  void half_close() override { caf::anon_send(session_, stream_done_atom::value); }
  void end() override { caf::anon_send(session_, stream_end_atom::value); }

 private:
  caf::actor session_;
};

// On the leader a renewal is answered at once, from the caller's thread (one
// client renewing and waiting pays no hop to an actor and back); elsewhere
// the session actor asks the leader. Answers already written come before a
// half-close reaches the actor, so the stream still ends after the last one.
class KeepAliveStream final : public ActorStream {
 public:
  KeepAliveStream(caf::actor session, std::shared_ptr<SessionContext> ctx, StreamSinkPtr sink)
      : ActorStream(std::move(session)), ctx_(std::move(ctx)), sink_(std::move(sink)) {}
  void receive(std::unique_ptr<google::protobuf::Message> request) override {
    const auto id = static_cast<const LeaseKeepAliveRequest&>(*request).id();
    // A follower's renewals go to the leader without holding the apply actor
    // off; the leader asks again under the exclusive lock. The caller is the
    // one thread of a gRPC queue: it does not wait for the lock either (the
    // actors then renew, as a follower's do).
    auto machine = [&]() -> std::optional<SharedMachine::Writer> {
      auto reader = ctx_->machine->try_read();
      if (!reader || !(*reader)->leads()) return std::nullopt;
      reader->release();
      return ctx_->machine->try_write();
    }();
    if (!machine || !(*machine)->leads()) {
      machine.reset();
      ActorStream::receive(std::move(request));
      return;
    }
    auto out = (*machine)->lease_keep_alive(id, monotonic_ms());
    machine.reset();
    std::unique_ptr<LeaseKeepAliveResponse> response(new LeaseKeepAliveResponse());
    response->Swap(static_cast<LeaseKeepAliveResponse*>(out->response.get()));
    sink_->write(std::move(response));
  }

 private:
  std::shared_ptr<SessionContext> ctx_;
  StreamSinkPtr sink_;
};

}  // namespace

std::unique_ptr<StreamSession> open_stream_session(caf::actor_system& sys, StreamKind kind,
                                                   const std::shared_ptr<SessionContext>& ctx, StreamSinkPtr sink) {
  if (kind == StreamKind::watch) return std::make_unique<ActorStream>(sys.spawn(watch_session, ctx, std::move(sink)));
  auto session = sys.spawn(keep_alive_session, ctx, sink);
  return std::make_unique<KeepAliveStream>(std::move(session), ctx, std::move(sink));
}

}  // namespace acord::actors
