#pragma once
// Raft messages as they travel between members: msgpack, version first. A
// message that does not decode (or has a version this build does not know) is
// refused, never guessed at.
#include <optional>
#include <string>

#include "core/raft/raft_types.hpp"

namespace acord::protocol {

inline constexpr std::uint8_t raft_message_version = 1;

std::string encode(const raft::Message& m);
std::optional<raft::Message> decode_raft_message(const std::string& bytes);

}  // namespace acord::protocol
