#pragma once
// The one way acord turns records into bytes and back: a msgpack array of the
// record's fields, version first where the record has one. Decoding never
// throws: malformed or truncated bytes give nothing.
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <tuple>

namespace acord::protocol {

template <class Tuple>
std::string pack_tuple(const Tuple& fields) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, fields);
  return std::string(buf.data(), buf.size());
}

template <class Tuple>
std::optional<Tuple> unpack_tuple(const std::string& bytes) {
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    return handle.get().as<Tuple>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace acord::protocol
