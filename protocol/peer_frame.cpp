#include "protocol/peer_frame.hpp"

#include <cstring>

#include "protocol/msgpack_tuple.hpp"

namespace acord::protocol {

void append_frame(std::string& out, PeerFrame kind, std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  const char header[peer_frame_header_bytes] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                                                static_cast<char>(n >> 8), static_cast<char>(n),
                                                static_cast<char>(kind)};
  out.append(header, sizeof header);
  out.append(payload.data(), payload.size());
}

std::string encode_frame(PeerFrame kind, std::string_view payload) {
  std::string out;
  out.reserve(peer_frame_header_bytes + payload.size());
  append_frame(out, kind, payload);
  return out;
}

namespace {
// Kinds 2 to 4 are retired: no member sends them any more.
bool known_kind(std::uint8_t kind) {
  switch (static_cast<PeerFrame>(kind)) {
    case PeerFrame::raft:
    case PeerFrame::snapshot_chunk:
    case PeerFrame::lease_request:
    case PeerFrame::lease_response:
    case PeerFrame::hello:
    case PeerFrame::join_request:
    case PeerFrame::join_response:
    case PeerFrame::keepalive:
      return true;
  }
  return false;
}
}  // namespace

bool FrameReader::feed(const char* data, std::size_t size) {
  while (size > 0 && error_.empty()) {
    if (!in_payload_) {
      const auto take = std::min(size, peer_frame_header_bytes - header_fill_);
      std::memcpy(header_ + header_fill_, data, take);
      header_fill_ += take;
      data += take;
      size -= take;
      if (header_fill_ < peer_frame_header_bytes) return true;
      const std::size_t length = (std::size_t{header_[0]} << 24) | (std::size_t{header_[1]} << 16) |
                                 (std::size_t{header_[2]} << 8) | std::size_t{header_[3]};
      const auto kind = header_[4];
      if (!known_kind(kind)) {
        error_ = "a frame of unknown kind " + std::to_string(kind);
        return false;
      }
      if (length > max_payload_) {
        error_ = "a frame of " + std::to_string(length) + " bytes, past the limit of " + std::to_string(max_payload_);
        return false;
      }
      header_fill_ = 0;
      current_ = Frame{static_cast<PeerFrame>(kind), {}};
      payload_left_ = length;
      in_payload_ = true;
      // Grows with what arrives, never ahead of it: a peer that announces a
      // large frame and stops costs only what it sent.
    }
    const auto take = std::min(size, payload_left_);
    current_.payload.append(data, take);
    data += take;
    size -= take;
    payload_left_ -= take;
    if (payload_left_ == 0) {
      ready_.push_back(std::move(current_));
      current_ = Frame{};
      in_payload_ = false;
    }
  }
  return error_.empty();
}

std::optional<Frame> FrameReader::next() {
  if (ready_.empty()) return std::nullopt;
  auto f = std::move(ready_.front());
  ready_.pop_front();
  return f;
}

namespace {
using HelloTuple = std::tuple<std::uint8_t, std::uint64_t, std::uint64_t, std::uint64_t>;
using JoinTuple = std::tuple<std::uint64_t, std::string>;
}  // namespace

std::string encode(const Hello& h) { return pack_tuple(HelloTuple{h.version, h.cluster_id, h.from, h.to}); }

std::optional<Hello> decode_hello(const std::string& bytes) {
  auto t = unpack_tuple<HelloTuple>(bytes);
  if (!t || std::get<0>(*t) != Hello::current_version) return std::nullopt;
  return Hello{std::get<0>(*t), std::get<1>(*t), std::get<2>(*t), std::get<3>(*t)};
}

std::string encode(const JoinResponse& r) { return pack_tuple(JoinTuple{r.cluster_id, r.membership}); }

std::optional<JoinResponse> decode_join_response(const std::string& bytes) {
  auto t = unpack_tuple<JoinTuple>(bytes);
  if (!t) return std::nullopt;
  return JoinResponse{std::get<0>(*t), std::move(std::get<1>(*t))};
}

}  // namespace acord::protocol
