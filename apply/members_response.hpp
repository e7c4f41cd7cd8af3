#pragma once
// The members as MemberList, MemberAdd, MemberRemove and MemberUpdate list
// them in their responses (etcdserverpb.Member each).
#include "etcdserverpb/rpc.pb.h"
#include "protocol/proposal.hpp"

namespace acord::apply {

template <class Response>
void fill_members(Response& out, const protocol::Membership& membership) {
  for (const auto& m : membership.members) {
    auto* pm = out.add_members();
    pm->set_id(m.id);
    pm->set_name(m.name);
    for (const auto& u : m.peer_urls) pm->add_peerurls(u);
    for (const auto& u : m.client_urls) pm->add_clienturls(u);
  }
}

}  // namespace acord::apply
