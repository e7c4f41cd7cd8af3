#pragma once
// Frames between members, as they travel on a peer connection: a 5-byte
// header (payload length, big-endian u32; kind, u8) and the payload. The
// reader checks a header before it holds a byte of the payload, so a peer
// that announces more than the limit is refused without an allocation; it
// never guesses at a kind it does not know.
//
// A connection opens with one frame that says who is on it: `hello` (a member
// of the cluster, to the member it means to reach) or `join_request` (a member
// about to join, asking who is in the cluster; answered by one
// `join_response`). Every later frame is from the member the hello named.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace acord::protocol {

enum class PeerFrame : std::uint8_t {
  raft = 1,  // a raft::Message (protocol/raft_wire)
  // 2 carried a follower's proposals for the leader, and 3 and 4 ReadIndex
  // requests and answers; raft messages do now.
  snapshot_chunk = 5,  // part of a snapshot: msgpack [index, term, offset, total size, bytes]
  lease_request = 6,   // a follower asks the leader about a lease: msgpack [context, LeaseQuery, lease id, with keys]
  lease_response = 7,  // the leader's answer: msgpack [context, status code, message, response bytes]
  hello = 8,           // a connection's first frame: msgpack Hello
  join_request = 9,    // a connection's first frame, from a member joining: no payload
  join_response = 10,  // msgpack [cluster id, Membership bytes]
  keepalive = 11,      // back on a link from a member that reads it (no payload): the link is alive
  last = keepalive,
};

inline constexpr std::size_t peer_frame_header_bytes = 5;

// The frame's header and payload, appended to `out`.
void append_frame(std::string& out, PeerFrame kind, std::string_view payload);
std::string encode_frame(PeerFrame kind, std::string_view payload);

struct Frame {
  PeerFrame kind = PeerFrame::raft;
  std::string payload;
};

// Cuts a byte stream into frames. Bytes go in as they arrive, in any pieces;
// whole frames come out. Once a header is refused (past `max_payload_bytes`,
// or a kind not known) the reader stays failed and says why.
class FrameReader {
 public:
  explicit FrameReader(std::size_t max_payload_bytes) : max_payload_(max_payload_bytes) {}
  // False once the stream is refused.
  bool feed(const char* data, std::size_t size);
  std::optional<Frame> next();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Bytes held that are not yet a whole frame.
  std::size_t partial_bytes() const { return header_fill_ + current_.payload.size(); }

 private:
  std::size_t max_payload_;
  unsigned char header_[peer_frame_header_bytes] = {};
  std::size_t header_fill_ = 0;
  bool in_payload_ = false;
  std::size_t payload_left_ = 0;
  Frame current_;
  std::deque<Frame> ready_;
  std::string error_;
};

// The first frame of a member's connection to another.
struct Hello {
  static constexpr std::uint8_t current_version = 1;
  std::uint8_t version = current_version;
  std::uint64_t cluster_id = 0;
  std::uint64_t from = 0;  // the member sending
  std::uint64_t to = 0;    // the member it means to reach
};
std::string encode(const Hello& h);
std::optional<Hello> decode_hello(const std::string& bytes);

struct JoinResponse {
  std::uint64_t cluster_id = 0;
  std::string membership;  // protocol::encode(Membership), "" if none known yet
};
std::string encode(const JoinResponse& r);
std::optional<JoinResponse> decode_join_response(const std::string& bytes);

}  // namespace acord::protocol
