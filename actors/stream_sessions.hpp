#pragma once
// One session actor per client stream. It owns what the stream holds (its
// keep-alives, its watches) and releases it all when the stream ends.
//   keep-alive: each LeaseKeepAliveRequest renews the lease on the leader
//               (through the lease relay) and its answer goes back in order
//               of completion; an error ends the stream with etcd's status.
//   watch:      creates, cancels and progress requests go to the node's
//               watch actor, which writes the responses to this stream.
// On the leader a keep-alive needs no actor: it is renewed and answered on
// the thread that read it (open_stream_session).
#include <caf/all.hpp>

#include "actors/session_actor.hpp"
#include "actors/stream.hpp"

namespace acord::actors {

caf::behavior keep_alive_session(caf::event_based_actor* self, std::shared_ptr<SessionContext> ctx,
                                 StreamSinkPtr sink);
caf::behavior watch_session(caf::event_based_actor* self, std::shared_ptr<SessionContext> ctx, StreamSinkPtr sink);

// The node's side of a new client stream, with its session actor spawned.
std::unique_ptr<StreamSession> open_stream_session(caf::actor_system& sys, StreamKind kind,
                                                   const std::shared_ptr<SessionContext>& ctx, StreamSinkPtr sink);

}  // namespace acord::actors
