#include "actors/lease_actor.hpp"

#include "actors/clock.hpp"
#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<LeaseActorState>;

void propose_revoke(Self* self, std::int64_t id) {
  etcdserverpb::LeaseRevokeRequest r;
  r.set_id(id);
  auto req = std::make_shared<ProposalRequest>();
  req->proposal.origin = self->state.args.member_id;
  req->proposal.kind = protocol::ProposalKind::lease_revoke;
  req->proposal.payload = r.SerializeAsString();
  self->send(self->state.args.raft, propose_atom::value, ProposalRequestPtr(req));
}

void revoke_expired(Self* self, const std::vector<std::int64_t>& expired) {
  auto& st = self->state;
  const auto now = monotonic_ms();
  std::map<std::int64_t, std::int64_t> still;
  std::size_t proposed = 0;
  for (auto id : expired) {
    auto it = st.proposed_at_ms.find(id);
    if (it != st.proposed_at_ms.end() && now - it->second < limits::lease_revoke_retry_ms) {
      still.insert(*it);  // on its way
      continue;
    }
    if (proposed == limits::lease_revokes_per_check) break;  // the rest next time
    propose_revoke(self, id);
    still[id] = now;
    ++proposed;
  }
  // Leases no longer expired (revoked, or renewed by a new leader) are forgotten.
  st.proposed_at_ms = std::move(still);
}

}  // namespace

caf::behavior lease_actor(Self* self, LeaseActorArgs args) {
  self->state.args = std::move(args);
  self->delayed_send(self, std::chrono::milliseconds(limits::lease_check_interval_ms), tick_atom::value);
  return {
      [=](tick_atom) {
        self->request(self->state.args.apply, caf::infinite, expired_atom::value)
            .then([=](const LeaseIdsPtr& ids) { revoke_expired(self, *ids); });
        self->delayed_send(self, std::chrono::milliseconds(limits::lease_check_interval_ms), tick_atom::value);
      },
  };
}

}  // namespace acord::actors
