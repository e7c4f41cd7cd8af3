#include "actors/stream_sessions.hpp"

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

}  // namespace acord::actors
