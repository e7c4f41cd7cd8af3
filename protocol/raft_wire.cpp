#include "protocol/raft_wire.hpp"

#include "protocol/msgpack_tuple.hpp"

namespace acord::protocol {
namespace {
using EntryTuple = std::tuple<raft::Term, raft::Index, std::uint8_t, std::string>;
using MessageTuple = std::tuple<std::uint8_t, std::uint8_t, raft::NodeId, raft::NodeId, raft::Term, raft::Term,
                                raft::Index, raft::Index, bool, raft::Index, std::uint64_t, std::vector<EntryTuple>>;
constexpr std::uint8_t last_message_type = static_cast<std::uint8_t>(raft::Message::Type::propose);
constexpr std::uint8_t last_entry_type = static_cast<std::uint8_t>(raft::EntryType::conf_change);
}  // namespace

std::string encode(const raft::Message& m) {
  std::vector<EntryTuple> entries;
  entries.reserve(m.entries.size());
  for (const auto& e : m.entries) entries.emplace_back(e.term, e.index, static_cast<std::uint8_t>(e.type), e.data);
  return pack_tuple(MessageTuple{raft_message_version, static_cast<std::uint8_t>(m.type), m.from, m.to, m.term,
                                 m.log_term, m.index, m.commit, m.reject, m.reject_hint, m.context, entries});
}

std::optional<raft::Message> decode_raft_message(const std::string& bytes) {
  auto decoded = unpack_tuple<MessageTuple>(bytes);
  if (!decoded) return std::nullopt;
  auto& t = *decoded;
  if (std::get<0>(t) != raft_message_version || std::get<1>(t) > last_message_type) return std::nullopt;
  raft::Message m;
  m.type = static_cast<raft::Message::Type>(std::get<1>(t));
  std::tie(std::ignore, std::ignore, m.from, m.to, m.term, m.log_term, m.index, m.commit, m.reject, m.reject_hint,
           m.context, std::ignore) = t;
  for (auto& [term, index, type, data] : std::get<11>(t)) {
    if (type > last_entry_type) return std::nullopt;
    m.entries.push_back(raft::Entry{term, index, static_cast<raft::EntryType>(type), std::move(data)});
  }
  return m;
}

}  // namespace acord::protocol
