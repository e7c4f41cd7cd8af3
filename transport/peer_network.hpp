#pragma once
// The links between members: acord's own peer transport over TCP (or TLS),
// carrying protocol/peer_frame frames. One thread per member runs the links
// (epoll): it accepts, connects and reconnects, reads, and hands whole frames
// to `Deliver`. A send is written to the socket by the thread that sends (the
// Raft actor's, for Raft messages), so a message crosses no thread on its
// way out and one on its way in.
//
// Each member sends on the connection it made to each peer and reads from the
// connections peers made to it: a link is one-way, and a member that can reach
// another can talk to it whether or not the other can reach it back. So that
// a sender notices a link whose far end is gone (behind a proxy or a
// middlebox that kept its side open), the reader writes a keep-alive back
// every limits::peer_keepalive_ms, and a link that brought nothing back for
// limits::peer_link_silence_ms is dropped and dialed again.
//
// Hostile or careless peers: a frame header past `max_frame_bytes` closes the
// connection before a byte of payload is held; a connection that does not
// say who it is (its first frame) within `handshake_ms` is
// closed; at most `limits::peer_unidentified_connections_max` such wait at
// once. Each refusal is logged once per reason until a link works again.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/peer_frame.hpp"
#include "transport/peer_tls.hpp"

namespace acord::transport {

struct PeerEndpoint {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;  // an https peer url
  bool operator==(const PeerEndpoint& o) const { return host == o.host && port == o.port && tls == o.tls; }
};

struct PeerNetworkConfig {
  std::uint64_t cluster_id = 0;
  std::uint64_t self_id = 0;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port (see port())
  bool listen_tls = false;
  bool tls_configured = false;  // `tls` holds this member's peer TLS (needed for https peers too)
  PeerTls tls;
  std::size_t max_frame_bytes = 0;
  // Bytes a peer's connection may hold unsent before frames to it are
  // dropped (Raft resends); snapshot chunks are never dropped.
  std::size_t send_queue_bytes_max = 0;
  // A connection must be up and say who it is within this long (tests shorten it).
  int handshake_ms = 0;
};

struct PeerNetworkStats {
  std::uint64_t frames_dropped = 0;        // from a member not (or no longer) a peer
  std::uint64_t sends_dropped = 0;         // no connection, or its queue full
  std::uint64_t connections_refused = 0;   // bad first frame, oversize or unknown frames, no hello in time, over the cap
};

class PeerNetwork {
 public:
  // Called on the network's thread with the frames one read brought from a peer.
  using Deliver = std::function<void(std::uint64_t from, std::vector<protocol::Frame>& frames)>;

  // Listens and starts the thread; nothing, with `error` set, if it cannot.
  static std::shared_ptr<PeerNetwork> start(const PeerNetworkConfig& config, std::string& error);
  ~PeerNetwork();

  std::uint16_t port() const;
  void set_deliver(Deliver deliver);
  // The members to keep links to: new ones are connected to, removed or moved
  // ones dropped. Frames from a member not among them are dropped.
  void set_peers(std::map<std::uint64_t, PeerEndpoint> peers);
  // What a joining member is told: protocol::encode(Membership).
  void set_join_answer(std::string membership);
  // Queues the frames for the peer and writes what the socket takes now;
  // false if they were dropped (no link yet, or its queue is full).
  bool send(std::uint64_t to, protocol::PeerFrame kind, const std::vector<std::string_view>& payloads);
  bool send(std::uint64_t to, protocol::PeerFrame kind, std::string_view payload) {
    return send(to, kind, std::vector<std::string_view>{payload});
  }
  PeerNetworkStats stats() const;
  // Each peer's link in a few words, and the counters (for a member's
  // report when it has no leader).
  std::string describe() const;
  // Stops the thread and closes every link; sends are dropped after.
  void stop();

  struct Impl;

 private:
  explicit PeerNetwork(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A joining member's question to the member at `endpoint` (it has no identity
// yet): the cluster's id and membership, or nothing if that member cannot be
// reached or answer within `timeout`.
std::optional<protocol::JoinResponse> ask_join(const PeerEndpoint& endpoint, const PeerTls* tls,
                                               std::chrono::milliseconds timeout, std::size_t max_frame_bytes);

}  // namespace acord::transport
