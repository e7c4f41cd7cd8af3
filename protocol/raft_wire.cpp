#include "protocol/raft_wire.hpp"

#include <msgpack.hpp>

namespace acord::protocol {
namespace {
using EntryTuple = std::tuple<raft::Term, raft::Index, std::uint8_t, std::string>;
using MessageTuple = std::tuple<std::uint8_t, std::uint8_t, raft::NodeId, raft::NodeId, raft::Term, raft::Term,
                                raft::Index, raft::Index, bool, raft::Index, std::uint64_t, std::vector<EntryTuple>>;
constexpr std::uint8_t last_message_type = static_cast<std::uint8_t>(raft::Message::Type::timeout_now);
constexpr std::uint8_t last_entry_type = static_cast<std::uint8_t>(raft::EntryType::membership);
}  // namespace

std::string encode(const raft::Message& m) {
  std::vector<EntryTuple> entries;
  entries.reserve(m.entries.size());
  for (const auto& e : m.entries) entries.emplace_back(e.term, e.index, static_cast<std::uint8_t>(e.type), e.data);
  msgpack::sbuffer buf;
  msgpack::pack(buf, MessageTuple{raft_message_version, static_cast<std::uint8_t>(m.type), m.from, m.to, m.term,
                                  m.log_term, m.index, m.commit, m.reject, m.reject_hint, m.context, entries});
  return std::string(buf.data(), buf.size());
}

std::optional<raft::Message> decode_raft_message(const std::string& bytes) {
  MessageTuple t;
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    t = handle.get().as<MessageTuple>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
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
