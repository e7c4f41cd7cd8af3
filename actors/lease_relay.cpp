#include "actors/lease_relay.hpp"

#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"
#include "protocol/msgpack_tuple.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<LeaseRelayState>;
using Question = std::tuple<std::uint64_t, std::uint8_t, std::int64_t, bool>;  // context, query, lease id, with keys
using Answer = std::tuple<std::uint64_t, int, std::string, std::string>;       // context, code, message, response

void send_frame(Self* self, raft::NodeId to, PeerFrame kind, std::string bytes) {
  if (self->state.args.transport) {
    self->send(self->state.args.transport, frame_atom::value, to, static_cast<std::uint8_t>(kind), std::move(bytes));
  }
}

// The leader's answer to a follower's question, as bytes.
void answer_follower(Self* self, raft::NodeId from, const Question& q) {
  const auto ctx = std::get<0>(q);
  self->request(self->state.args.apply, caf::infinite, lease_atom::value, std::get<1>(q), std::get<2>(q),
                std::get<3>(q))
      .then([=](const ResultPtr& r) {
        send_frame(self, from, PeerFrame::lease_response,
                   protocol::pack_tuple(Answer{ctx, static_cast<int>(r->error.code), r->error.message,
                                               r->response ? r->response->SerializeAsString() : std::string()}));
      });
}

void receive_answer(Self* self, const Answer& a) {
  const auto& [ctx, code, message, body] = a;
  auto asked = self->state.asked.take(ctx);
  if (!asked) return;  // timed out already
  auto r = result_of(ApiError{static_cast<StatusCode>(code), message});
  if (asked->query == LeaseQuery::renew) {
    r->response = std::make_shared<etcdserverpb::LeaseKeepAliveResponse>();
  } else {
    r->response = std::make_shared<etcdserverpb::LeaseTimeToLiveResponse>();
  }
  if (!r->response->ParseFromString(body)) r->error = errors::timeout();
  asked->promise.deliver(ResultPtr(r));
}

}  // namespace

caf::behavior lease_relay(Self* self, LeaseRelayArgs args) {
  self->state.args = std::move(args);
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    self->state.asked.drain([](std::uint64_t, LeaseRelayState::Asked& a) { a.promise.deliver(result_of(errors::stopped())); });
    self->quit(msg.reason);
  });
  self->delayed_send(self, std::chrono::milliseconds(self->state.args.tick_ms), tick_atom::value);
  return {
      [=](lease_atom, std::uint8_t query, std::int64_t id, bool keys) -> caf::result<ResultPtr> {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (st.leads) {
          self->request(st.args.apply, caf::infinite, lease_atom::value, query, id, keys)
              .then([=](const ResultPtr& r) mutable { rp.deliver(r); });
        } else if (st.leader != 0) {
          const auto ctx = st.next_context++;
          st.asked.add(ctx, LeaseRelayState::Asked{rp, static_cast<LeaseQuery>(query)},
                       st.ticks + limits::request_timeout_ticks(st.args.tick_ms));
          send_frame(self, st.leader, PeerFrame::lease_request, protocol::pack_tuple(Question{ctx, query, id, keys}));
        } else {
          rp.deliver(result_of(errors::no_leader()));
        }
        return rp;
      },
      [=](leader_atom, raft::NodeId leader, bool leads) {
        self->state.leader = leader;
        self->state.leads = leads;
      },
      [=](frame_atom, raft::NodeId from, std::uint8_t kind, const std::string& bytes) {
        switch (static_cast<PeerFrame>(kind)) {
          case PeerFrame::lease_request:
            // Only a leader answers; a follower asked by mistake stays silent
            // and the asker times out (and its client retries).
            if (auto q = protocol::unpack_tuple<Question>(bytes); q && self->state.leads) answer_follower(self, from, *q);
            break;
          case PeerFrame::lease_response:
            if (auto a = protocol::unpack_tuple<Answer>(bytes)) receive_answer(self, *a);
            break;
          default:
            break;
        }
      },
      [=](tick_atom) {
        auto& st = self->state;
        st.asked.expire(++st.ticks, [](std::uint64_t, LeaseRelayState::Asked& a) {
          a.promise.deliver(result_of(errors::timeout()));
        });
        self->delayed_send(self, std::chrono::milliseconds(st.args.tick_ms), tick_atom::value);
      },
  };
}

}  // namespace acord::actors
