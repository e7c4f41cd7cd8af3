#include "transport/peer_network.hpp"

#include <atomic>
#include <csignal>
#include <mutex>
#include <poll.h>
#include <set>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/limits.hpp"
#include "transport/peer_socket.hpp"

namespace acord::transport {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::Frame;
using protocol::PeerFrame;

constexpr std::uint64_t listener_tag = 0;
constexpr std::uint64_t wake_tag = 1;
// One read event takes at most this much from a plain socket before the loop
// serves the others (level-triggered epoll comes back for the rest).
constexpr std::size_t read_bytes_per_event = 4u << 20;

enum class Phase { connecting, handshaking, open, closed };

// One TCP connection, either way. The network thread owns its life; a sender
// on another thread appends to `out` and writes under `mu`.
struct Conn {
  explicit Conn(std::size_t max_frame_bytes) : reader(max_frame_bytes) {}
  std::mutex mu;
  std::uint64_t tag = 0;  // its key in epoll and in `conns`
  std::unique_ptr<PeerSocket> socket;
  Phase phase = Phase::connecting;
  bool outbound = false;
  std::uint64_t peer = 0;  // outbound: the member it reaches; inbound: who said hello
  bool identified = false;  // outbound, or inbound after its first frame
  bool close_after_flush = false;
  Clock::time_point opened_at{};  // {} until the connection (and its TLS) is up
  Clock::time_point deadline{};   // connected, handshaken and identified by then, or closed
  Clock::time_point last_read{};  // when bytes last came
  Clock::time_point last_keepalive{};  // inbound: when one was last written back
  protocol::FrameReader reader;
  std::string out;
  std::size_t out_pos = 0;
  std::uint32_t events = 0;  // what epoll watches for
  std::size_t queued() const { return out.size() - out_pos; }
};
using ConnPtr = std::shared_ptr<Conn>;

// A member this one keeps a connection to.
struct Link {
  PeerEndpoint endpoint;
  ConnPtr conn;
  int failures = 0;  // connections in a row that did not last
  Clock::time_point retry_at{};
  bool refusal_logged = false;  // this streak's failure was logged
};

// Reconnect quickly after a first failure, then back off (to 1 s).
std::chrono::milliseconds backoff(int failures) {
  return std::chrono::milliseconds(std::min(1000, 50 << std::min(failures, 5)));
}

std::string where(const PeerEndpoint& e) { return e.host + ":" + std::to_string(e.port); }

}  // namespace

struct PeerNetwork::Impl {
  PeerNetworkConfig config;
  int epoll_fd = -1, listen_fd = -1, wake_fd = -1;
  std::uint16_t port = 0;
  SslContext server_tls, client_tls;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> frames_dropped{0}, sends_dropped{0}, connections_refused{0};
  std::atomic<std::uint64_t> loops{0}, frames_delivered{0}, connections{0};

  // Shared with the senders and the actor that sets peers.
  mutable std::mutex mu;
  std::map<std::uint64_t, PeerEndpoint> wanted;
  bool wanted_changed = false;
  std::map<std::uint64_t, ConnPtr> outbound;  // the connection a send to each peer goes on
  std::string join_answer;
  std::shared_ptr<const Deliver> deliver;

  // The network thread's own.
  std::map<std::uint64_t, ConnPtr> conns;
  std::map<std::uint64_t, Link> links;
  std::uint64_t next_tag = 2;
  std::size_t unidentified = 0;
  std::set<std::string> refusals_logged;

  ~Impl() {
    for (int fd : {epoll_fd, listen_fd, wake_fd}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(wake_fd, &one, sizeof one);
  }

  // Under c.mu: what epoll watches the connection for.
  void watch(Conn& c, bool writable) {
    const std::uint32_t events = EPOLLIN | (writable ? EPOLLOUT : 0u);
    if (c.events == events || c.phase == Phase::closed) return;
    epoll_event e{};
    e.events = events;
    e.data.u64 = c.tag;
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.socket->fd(), &e);
    c.events = events;
  }

  // Under c.mu: writes what the socket takes; false if the connection broke.
  bool flush(Conn& c) {
    while (c.queued() > 0) {
      std::size_t n = 0;
      const auto io = c.socket->write(c.out.data() + c.out_pos, c.queued(), n);
      if (io == Io::done) {
        c.out_pos += n;
        continue;
      }
      if (io == Io::want_write || io == Io::again) {
        // (again: TLS must read before it can write; epoll always watches reads.)
        watch(c, io == Io::want_write);
        return true;
      }
      return false;
    }
    c.out_pos = 0;
    c.out.clear();
    // A snapshot sent through this connection may have left a large buffer.
    if (c.out.capacity() > (4u << 20)) std::string().swap(c.out);
    watch(c, false);
    return true;
  }

  void add_to_epoll(Conn& c, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = c.tag;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.socket->fd(), &e);
    c.events = events;
  }

  // Logged once until a link works again.
  void log_refusal_once(const std::string& why) {
    if (refusals_logged.insert(why).second) log_warn("peer connection refused: " + why);
  }

  void close_conn(const ConnPtr& c) {
    {
      std::lock_guard<std::mutex> lock(c->mu);
      if (c->phase == Phase::closed) return;
      c->phase = Phase::closed;
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->socket->fd(), nullptr);
      c->socket.reset();
      c->out.clear();
      c->out.shrink_to_fit();
    }
    conns.erase(c->tag);
    if (!c->outbound && !c->identified) --unidentified;
    if (!c->outbound) return;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (auto it = outbound.find(c->peer); it != outbound.end() && it->second == c) outbound.erase(it);
    }
    auto link = links.find(c->peer);
    if (link == links.end() || link->second.conn != c) return;
    auto& l = link->second;
    l.conn.reset();
    const auto now = Clock::now();
    const bool lasted = c->opened_at != Clock::time_point{} && now - c->opened_at >= std::chrono::seconds(1);
    l.failures = lasted ? 0 : l.failures + 1;
    l.retry_at = now + backoff(lasted ? 0 : l.failures);
  }

  void refuse(const ConnPtr& c, const std::string& why) {
    ++connections_refused;
    log_refusal_once(why);
    close_conn(c);
  }

  void connect_link(std::uint64_t id, Link& l) {
    const auto now = Clock::now();
    l.retry_at = now + backoff(l.failures);
    SSL_CTX* tls = nullptr;
    if (l.endpoint.tls) {
      if (!client_tls) {
        // Only when the flags give no peer TLS but a member's url is https.
        if (!l.refusal_logged) {
          log_warn("peer " + where(l.endpoint) +
                   " has an https url, but this member has no peer TLS (--peer-cert-file or --peer-auto-tls)");
        }
        l.refusal_logged = true;
        ++l.failures;
        return;
      }
      tls = client_tls.get();
    }
    std::string error;
    const int fd = start_connect(l.endpoint.host, l.endpoint.port, error);
    if (fd < 0) {
      ++l.failures;
      return;
    }
    auto c = std::make_shared<Conn>(config.max_frame_bytes);
    c->tag = next_tag++;
    c->outbound = true;
    c->identified = true;
    c->peer = id;
    c->socket = std::make_unique<PeerSocket>(fd, tls, false);
    c->deadline = now + std::chrono::milliseconds(config.handshake_ms);
    protocol::append_frame(c->out, PeerFrame::hello,
                           protocol::encode(protocol::Hello{protocol::Hello::current_version, config.cluster_id,
                                                            config.self_id, id}));
    add_to_epoll(*c, EPOLLIN | EPOLLOUT);
    conns[c->tag] = c;
    l.conn = c;
    std::lock_guard<std::mutex> lock(mu);
    outbound[id] = c;
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // none left (or out of descriptors: the next event tries again)
      if (unidentified >= limits::peer_unidentified_connections_max) {
        ::close(fd);
        ++connections_refused;
        log_refusal_once("more than " + std::to_string(limits::peer_unidentified_connections_max) +
                         " connections at once that have not said which member they are");
        continue;
      }
      set_no_delay(fd);
      auto c = std::make_shared<Conn>(config.max_frame_bytes);
      c->tag = next_tag++;
      c->socket = std::make_unique<PeerSocket>(fd, config.listen_tls ? server_tls.get() : nullptr, true);
      c->phase = config.listen_tls ? Phase::handshaking : Phase::open;
      if (!config.listen_tls) c->opened_at = Clock::now();
      c->deadline = Clock::now() + std::chrono::milliseconds(config.handshake_ms);
      add_to_epoll(*c, EPOLLIN);
      conns[c->tag] = c;
      ++unidentified;
    }
  }

  // The frames one read brought; false if the connection is to close.
  bool take_frames(const ConnPtr& c, std::vector<Frame>& frames) {
    std::size_t first = 0;
    if (!c->identified) {
      const auto& f = frames.front();
      first = 1;
      if (f.kind == PeerFrame::join_request) {
        std::string answer;
        {
          std::lock_guard<std::mutex> lock(mu);
          answer = join_answer;
        }
        bool flushed = false;
        {
          std::lock_guard<std::mutex> lock(c->mu);
          c->identified = true;
          --unidentified;
          protocol::append_frame(c->out, PeerFrame::join_response,
                                 protocol::encode(protocol::JoinResponse{config.cluster_id, answer}));
          c->close_after_flush = true;
          flushed = flush(*c) && c->queued() == 0;
        }
        // Closed once the answer is out (the network thread finishes a
        // write the socket did not take at once).
        if (flushed) {
          close_conn(c);
          return false;
        }
        return true;
      }
      if (f.kind != PeerFrame::hello) {
        refuse(c, "a first frame of kind " + std::to_string(static_cast<int>(f.kind)) + " rather than a hello");
        return false;
      }
      const auto hello = protocol::decode_hello(f.payload);
      if (!hello) {
        refuse(c, "a hello that does not decode (another program, or another version of acord?)");
        return false;
      }
      if (hello->cluster_id != config.cluster_id) {
        refuse(c, "member " + cluster::to_hex(hello->from) + " of another cluster (" + cluster::to_hex(hello->cluster_id) +
                      ")");
        return false;
      }
      if (hello->to != config.self_id) {
        refuse(c, "member " + cluster::to_hex(hello->from) + " means to reach member " + cluster::to_hex(hello->to) +
                      ", not this one");
        return false;
      }
      c->identified = true;
      c->peer = hello->from;
      --unidentified;
    }
    if (first == frames.size()) return true;
    if (c->outbound) return true;  // peers answer on their own connections
    for (std::size_t i = first; i < frames.size(); ++i) {
      const auto k = frames[i].kind;
      if (k == PeerFrame::hello || k == PeerFrame::join_request || k == PeerFrame::join_response) {
        refuse(c, "member " + cluster::to_hex(c->peer) + " sent a second hello");
        return false;
      }
    }
    std::shared_ptr<const Deliver> to;
    bool known = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      known = wanted.count(c->peer) > 0;
      to = deliver;
    }
    if (!known || !to) {
      frames_dropped += frames.size() - first;
      return true;
    }
    if (first > 0) frames.erase(frames.begin());
    frames_delivered += frames.size();
    (*to)(c->peer, frames);
    return true;
  }

  void on_event(const ConnPtr& c, std::uint32_t events) {
    std::vector<Frame> frames;
    bool close = false;
    std::string refused;  // why the other side is refused, if it is
    {
      std::lock_guard<std::mutex> lock(c->mu);
      if (c->phase == Phase::closed) return;
      if (c->phase == Phase::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
        std::string error;
        if (!connect_succeeded(c->socket->fd(), error)) {
          close = true;
        } else if (c->socket->tls()) {
          c->phase = Phase::handshaking;
        } else {
          c->phase = Phase::open;
          c->opened_at = Clock::now();
        }
      }
      if (!close && c->phase == Phase::handshaking) {
        const auto io = c->socket->handshake();
        if (io == Io::done) {
          c->phase = Phase::open;
          c->opened_at = Clock::now();
        } else if (io == Io::again || io == Io::want_write) {
          watch(*c, io == Io::want_write);
        } else {
          close = true;
          if (auto link = links.find(c->peer); c->outbound && link != links.end()) {
            auto& l = link->second;
            if (!l.refusal_logged) {
              // Once per streak: a certificate one side cannot verify, or none.
              log_warn("peer " + cluster::to_hex(c->peer) + " at " + where(l.endpoint) +
                       ": TLS handshake refused (a certificate that --peer-trusted-ca-file did not sign, on either "
                       "side?): " + c->socket->error());
              l.refusal_logged = true;
            }
          } else if (!c->outbound) {
            refused = "a TLS handshake that failed: " + c->socket->error();
          }
        }
      }
      if (!close && c->phase == Phase::open) {
        if (c->outbound && c->deadline != Clock::time_point{}) {
          c->deadline = {};
          if (auto link = links.find(c->peer); link != links.end()) {
            if (link->second.failures > 0 || link->second.refusal_logged) refusals_logged.clear();
            link->second.refusal_logged = false;
          }
          log_info("peer " + cluster::to_hex(c->peer) + " became active");
        }
        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
          char buf[64 * 1024];
          std::size_t total = 0;
          for (;;) {
            std::size_t n = 0;
            const auto io = c->socket->read(buf, sizeof buf, n);
            if (io == Io::done) {
              total += n;
              c->last_read = Clock::now();
              if (!c->reader.feed(buf, n)) {
                refused = "member " + (c->identified ? cluster::to_hex(c->peer) : std::string("(not yet named)")) +
                          " sent " + c->reader.error();
                break;
              }
              if (total >= read_bytes_per_event && !c->socket->has_buffered()) break;
              continue;
            }
            if (io == Io::closed || io == Io::failed) close = true;
            if (io == Io::want_write) watch(*c, true);
            break;
          }
          while (auto f = c->reader.next()) frames.push_back(std::move(*f));
        }
        if (!close && refused.empty() && !flush(*c)) close = true;
        if (c->close_after_flush && c->queued() == 0) close = true;
      }
    }
    if (!frames.empty() && refused.empty() && !take_frames(c, frames)) return;  // refused and closed
    if (!refused.empty()) {
      refuse(c, refused);
    } else if (close) {
      close_conn(c);
    }
  }

  // Brings the links in line with the members wanted.
  void reconcile() {
    std::map<std::uint64_t, PeerEndpoint> want;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!wanted_changed) return;
      wanted_changed = false;
      want = wanted;
    }
    for (auto it = links.begin(); it != links.end();) {
      auto w = want.find(it->first);
      if (w != want.end() && w->second == it->second.endpoint) {
        ++it;
        continue;
      }
      auto conn = it->second.conn;
      it = links.erase(it);
      if (conn) close_conn(conn);
    }
    for (const auto& [id, endpoint] : want) {
      if (links.count(id)) continue;
      links[id].endpoint = endpoint;
    }
  }

  // Reconnects links whose wait is over and closes connections past their
  // deadline; how long until the next of either, in ms.
  int run_timers() {
    const auto now = Clock::now();
    auto next = now + std::chrono::seconds(1);
    for (auto& [id, l] : links) {
      if (l.conn) continue;
      if (l.retry_at <= now) connect_link(id, l);
      if (!l.conn) next = std::min(next, l.retry_at);
    }
    std::vector<ConnPtr> late, silent, broken;
    const auto keepalive = std::chrono::milliseconds(limits::peer_keepalive_ms);
    const auto silence = std::chrono::milliseconds(limits::peer_link_silence_ms);
    for (const auto& [tag, c] : conns) {
      std::lock_guard<std::mutex> lock(c->mu);
      if (c->phase == Phase::open && c->identified && !c->close_after_flush) {
        if (c->outbound) {
          // Nothing back for too long: the far end is gone.
          const auto heard = std::max(c->opened_at, c->last_read);
          if (now - heard >= silence) silent.push_back(c);
          next = std::min(next, heard + silence);
        } else {
          if (now - c->last_keepalive >= keepalive) {
            c->last_keepalive = now;
            protocol::append_frame(c->out, PeerFrame::keepalive, "");
            if ((c->events & EPOLLOUT) == 0 && !flush(*c)) broken.push_back(c);
          }
          next = std::min(next, c->last_keepalive + keepalive);
        }
      }
      const bool pending = c->phase != Phase::open || !c->identified;
      if (!pending || c->deadline == Clock::time_point{}) continue;
      if (c->deadline <= now) {
        late.push_back(c);
      } else {
        next = std::min(next, c->deadline);
      }
    }
    for (const auto& c : silent) {
      log_warn("peer " + cluster::to_hex(c->peer) + ": nothing came back on the link for " +
               std::to_string(limits::peer_link_silence_ms) + " ms; dialing again");
      close_conn(c);
    }
    for (const auto& c : broken) close_conn(c);
    for (const auto& c : late) {
      if (!c->outbound) {
        refuse(c, "a connection that did not say which member it is within " +
                      std::to_string(config.handshake_ms) + " ms");
      } else {
        close_conn(c);
      }
    }
    // Never negative: epoll_wait would take that for "no timeout" and sleep
    // until a frame came (a deadline found already past, as a silent link's
    // is, is acted on at the next turn).
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::max<std::int64_t>(0, ms + 1));
  }

  void run() {
    epoll_event events[64];
    int timeout = 0;
    while (!stopping.load()) {
      const int n = epoll_wait(epoll_fd, events, 64, timeout);
      ++loops;
      connections = conns.size();
      for (int i = 0; i < n; ++i) {
        const auto tag = events[i].data.u64;
        if (tag == listener_tag) {
          accept_all();
        } else if (tag == wake_tag) {
          std::uint64_t count = 0;
          [[maybe_unused]] auto r = ::read(wake_fd, &count, sizeof count);
        } else if (auto it = conns.find(tag); it != conns.end()) {
          auto c = it->second;  // on_event may erase it from conns
          on_event(c, events[i].events);
        }
      }
      reconcile();
      timeout = run_timers();
    }
    while (!conns.empty()) close_conn(conns.begin()->second);
  }
};

PeerNetwork::PeerNetwork(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<PeerNetwork> PeerNetwork::start(const PeerNetworkConfig& config, std::string& error) {
  // A peer that goes away mid-write must not end the process (TLS writes
  // through write(2), which raises SIGPIPE).
  std::signal(SIGPIPE, SIG_IGN);
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.tls_configured) {
    impl->client_tls = make_peer_tls_context(config.tls, false, error);
    if (!impl->client_tls) return nullptr;
    if (config.listen_tls) {
      impl->server_tls = make_peer_tls_context(config.tls, true, error);
      if (!impl->server_tls) return nullptr;
    }
  } else if (config.listen_tls) {
    error = "an https peer url needs peer TLS (--peer-cert-file and --peer-key-file, or --peer-auto-tls)";
    return nullptr;
  }
  std::string why;
  impl->listen_fd = listen_on(config.listen_host, config.listen_port, why);
  if (impl->listen_fd < 0) {
    error = "cannot listen for peers on " + config.listen_host + ":" + std::to_string(config.listen_port) + ": " + why;
    return nullptr;
  }
  impl->port = bound_port(impl->listen_fd);
  impl->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0) {
    error = "cannot start the peer network: out of file descriptors?";
    return nullptr;
  }
  for (auto [fd, tag] : {std::make_pair(impl->listen_fd, listener_tag), std::make_pair(impl->wake_fd, wake_tag)}) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = tag;
    epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, fd, &e);
  }
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::shared_ptr<PeerNetwork>(new PeerNetwork(std::move(impl)));
}

PeerNetwork::~PeerNetwork() { stop(); }

void PeerNetwork::stop() {
  auto& n = *impl_;
  if (!n.thread.joinable()) return;
  n.stopping = true;
  n.wake();
  n.thread.join();
  std::lock_guard<std::mutex> lock(n.mu);
  n.outbound.clear();
  n.deliver.reset();
}

std::uint16_t PeerNetwork::port() const { return impl_->port; }

void PeerNetwork::set_deliver(Deliver deliver) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->deliver = deliver ? std::make_shared<const Deliver>(std::move(deliver)) : nullptr;
}

void PeerNetwork::set_peers(std::map<std::uint64_t, PeerEndpoint> peers) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    peers.erase(impl_->config.self_id);
    impl_->wanted = std::move(peers);
    impl_->wanted_changed = true;
  }
  impl_->wake();
}

void PeerNetwork::set_join_answer(std::string membership) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->join_answer = std::move(membership);
}

bool PeerNetwork::send(std::uint64_t to, PeerFrame kind, const std::vector<std::string_view>& payloads) {
  auto& n = *impl_;
  for (const auto& p : payloads) {
    if (p.size() > n.config.max_frame_bytes) {
      // The peer would refuse it (and the connection with it).
      log_warn("a " + std::to_string(p.size()) + "-byte frame for peer " + cluster::to_hex(to) +
               " is past the peer frame limit of " + std::to_string(n.config.max_frame_bytes) + " bytes; not sent");
      n.sends_dropped += payloads.size();
      return false;
    }
  }
  ConnPtr c;
  {
    std::lock_guard<std::mutex> lock(n.mu);
    if (auto it = n.outbound.find(to); it != n.outbound.end()) c = it->second;
  }
  if (!c) {
    n.sends_dropped += payloads.size();
    return false;
  }
  std::lock_guard<std::mutex> lock(c->mu);
  if (c->phase == Phase::closed ||
      (kind != PeerFrame::snapshot_chunk && c->queued() > n.config.send_queue_bytes_max)) {
    n.sends_dropped += payloads.size();
    return false;
  }
  if (c->out_pos > 0 && c->out_pos * 2 >= c->out.size()) {
    c->out.erase(0, c->out_pos);
    c->out_pos = 0;
  }
  for (const auto& p : payloads) protocol::append_frame(c->out, kind, p);
  // Written now, from this thread, unless the socket is still connecting or
  // already full (the network thread writes once it drains).
  if (c->phase == Phase::open && (c->events & EPOLLOUT) == 0 && !n.flush(*c)) c->socket->shut_down();
  return true;
}

std::string PeerNetwork::describe() const {
  auto& n = *impl_;
  std::string out;
  std::lock_guard<std::mutex> lock(n.mu);
  for (const auto& [id, endpoint] : n.wanted) {
    out += (out.empty() ? "" : ", ") + cluster::to_hex(id) + "@" + where(endpoint) + ": ";
    auto it = n.outbound.find(id);
    if (it == n.outbound.end()) {
      out += "not connected";
      continue;
    }
    std::lock_guard<std::mutex> conn_lock(it->second->mu);
    const auto& c = *it->second;
    out += c.phase == Phase::open ? "open" : c.phase == Phase::closed ? "closed" : "connecting";
    out += ", " + std::to_string(c.queued()) + " bytes queued" + ((c.events & EPOLLOUT) ? " (waiting to write)" : "");
  }
  const auto s = stats();
  return "links [" + out + "]; loops " + std::to_string(n.loops.load()) + ", frames delivered " +
         std::to_string(n.frames_delivered.load()) + ", connections " + std::to_string(n.connections.load()) +
         "; frames dropped " + std::to_string(s.frames_dropped) + ", sends dropped " +
         std::to_string(s.sends_dropped) + ", connections refused " + std::to_string(s.connections_refused);
}

PeerNetworkStats PeerNetwork::stats() const {
  return PeerNetworkStats{impl_->frames_dropped.load(), impl_->sends_dropped.load(),
                          impl_->connections_refused.load()};
}

namespace {

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1;
}

// Repeats a socket call until it goes through, fails, or the deadline passes.
template <class Op>
bool drive(PeerSocket& s, Clock::time_point deadline, Op op) {
  for (;;) {
    const auto io = op();
    if (io == Io::done) return true;
    if (io == Io::again) {
      if (!s.has_buffered() && !wait_for(s.fd(), POLLIN, deadline)) return false;
    } else if (io == Io::want_write) {
      if (!wait_for(s.fd(), POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
}

}  // namespace

std::optional<protocol::JoinResponse> ask_join(const PeerEndpoint& endpoint, const PeerTls* tls,
                                               std::chrono::milliseconds timeout, std::size_t max_frame_bytes) {
  const auto deadline = Clock::now() + timeout;
  std::string error;
  SslContext ctx;
  if (endpoint.tls) {
    if (tls == nullptr) return std::nullopt;  // no peer TLS here
    ctx = make_peer_tls_context(*tls, false, error);
    if (!ctx) return std::nullopt;
  }
  const int fd = start_connect(endpoint.host, endpoint.port, error);
  if (fd < 0) return std::nullopt;
  PeerSocket s(fd, ctx.get(), false);
  if (!wait_for(fd, POLLOUT, deadline) || !connect_succeeded(fd, error)) return std::nullopt;
  if (!drive(s, deadline, [&] { return s.handshake(); })) return std::nullopt;
  const auto request = protocol::encode_frame(PeerFrame::join_request, "");
  std::size_t sent = 0;
  if (!drive(s, deadline, [&] {
        std::size_t n = 0;
        auto io = s.write(request.data() + sent, request.size() - sent, n);
        sent += n;
        return io == Io::done && sent < request.size() ? Io::want_write : io;
      })) {
    return std::nullopt;
  }
  protocol::FrameReader reader(max_frame_bytes);
  std::optional<Frame> frame;
  char buf[16 * 1024];
  if (!drive(s, deadline, [&] {
        std::size_t n = 0;
        auto io = s.read(buf, sizeof buf, n);
        if (io != Io::done) return io;
        if (!reader.feed(buf, n)) return Io::failed;
        frame = reader.next();
        return frame ? Io::done : Io::again;
      })) {
    return std::nullopt;
  }
  if (frame->kind != PeerFrame::join_response) return std::nullopt;
  return protocol::decode_join_response(frame->payload);
}

}  // namespace acord::transport
