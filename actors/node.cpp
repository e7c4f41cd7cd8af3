#include "actors/node.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <google/protobuf/message.h>

#include "actors/join_cluster.hpp"
#include "actors/node_wiring.hpp"
#include "actors/stream_sessions.hpp"
#include "core/limits.hpp"
#include "storage/rocks_store.hpp"
#include "transport/peer_network.hpp"

namespace acord::actors {

struct Node::Impl {
  std::unique_ptr<storage::RocksStore> store;
  caf::actor_system_config cfg;  // must outlive the system
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<transport::PeerNetwork> network;  // the links to the peers
  NodeActors actors;
  // Unary calls submitted and not yet answered: a stop waits for them.
  std::mutex calls_mutex;
  std::condition_variable calls_answered;
  std::uint64_t calls_in_flight = 0;
};

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Node> Node::start(const NodeConfig& c, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->store = storage::RocksStore::open(c.data_dir, error);
  if (!impl->store) return nullptr;
  // The sharing scheduler parks idle workers on a condition variable; the
  // default work-stealing one spins, which costs a coordination service CPU it
  // mostly spends waiting for the disk and the network.
  impl->cfg.set("scheduler.policy", caf::atom("sharing"));
  impl->cfg.set("scheduler.max-threads", limits::actor_threads);
  impl->system = std::make_unique<caf::actor_system>(impl->cfg);
  auto& sys = *impl->system;
  auto stop_system = [&impl] {
    impl->system->await_all_actors_done();
    impl->system.reset();
  };
  storage::Loaded loaded;
  bool restarted = false;
  const FetchCluster fetch = [&c](const FindSelf& find_self, std::string& e) {
    return ask_cluster_members(
        c, [&](const protocol::Membership& m, std::string& why) { return find_self(m, why).has_value(); }, e);
  };
  if (!prepare_store(c, *impl->store, loaded, error, &restarted, fetch)) {
    stop_system();
    return nullptr;
  }
  if (restarted && c.before_start) {
    StartingState s;
    s.member_id = loaded.identity->member_id;
    auto& records = loaded.records;
    const auto by_revision = [](const mvcc::Record& a, const mvcc::Record& b) { return a.revision < b.revision; };
    if (!std::is_sorted(records.begin(), records.end(), by_revision)) std::sort(records.begin(), records.end(), by_revision);
    // The revision the store will report once built from these records.
    std::int64_t current = std::max<std::int64_t>(1, loaded.apply_state.current_revision);
    if (!records.empty()) current = std::max(current, records.back().revision.main);
    s.hash = mvcc::hash_kv(records, current, loaded.apply_state.compacted_revision, 0);
    s.members = loaded.apply_state.membership.members;
    error = c.before_start(s);
    if (!error.empty()) {
      stop_system();
      return nullptr;
    }
  }
  // Every member listens for peers, a single one too: members may be added.
  transport::PeerNetworkConfig pn;
  pn.cluster_id = loaded.identity->cluster_id;
  pn.self_id = loaded.identity->member_id;
  pn.listen_host = c.listen_peer_host;
  pn.listen_port = c.listen_peer_port;
  pn.listen_tls = c.listen_peer_tls;
  pn.tls_configured = c.peer_tls.enabled;
  pn.tls = peer_tls_files(c);
  pn.max_frame_bytes = peer_frame_limit(c);
  pn.send_queue_bytes_max = limits::peer_send_queue_bytes_max;
  pn.handshake_ms = limits::peer_handshake_ms;
  impl->network = transport::PeerNetwork::start(pn, error);
  if (!impl->network) {
    stop_system();
    return nullptr;
  }
  impl->actors = spawn_node(sys, c, *impl->store, std::move(loaded), true, impl->network);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::~Node() {
  if (!impl_ || !impl_->system) return;
  stop_node(impl_->actors);
  impl_->network->stop();
  impl_->system->await_all_actors_done();
  impl_->system.reset();
}

void Node::submit(CallPtr call) {
  {
    std::lock_guard<std::mutex> lock(impl_->calls_mutex);
    ++impl_->calls_in_flight;
  }
  call->finish = [impl = impl_.get(), finish = std::move(call->finish)](const ApiError& e) {
    finish(e);
    std::lock_guard<std::mutex> lock(impl->calls_mutex);
    if (--impl->calls_in_flight == 0) impl->calls_answered.notify_all();
  };
  if (handled_without_session(impl_->actors.sessions, call)) return;
  impl_->system->spawn(session_actor, impl_->actors.sessions, std::move(call));
}

std::unique_ptr<StreamSession> Node::open_stream(StreamKind kind, StreamSinkPtr sink) {
  return open_stream_session(*impl_->system, kind, impl_->actors.sessions, std::move(sink));
}

void Node::etcd_snapshot(std::function<void(std::shared_ptr<const std::string>)> done) {
  auto apply = impl_->actors.apply;
  impl_->system->spawn([apply, done = std::move(done)](caf::event_based_actor* self) {
    self->request(apply, caf::infinite, etcd_snapshot_atom::value)
        .then([done](const SnapshotBytesPtr& file) { done(file); }, [done](caf::error&) { done(nullptr); });
  });
}

void Node::hand_over_leadership(std::chrono::milliseconds timeout) {
  caf::scoped_actor self{*impl_->system};
  self->request(impl_->actors.raft, timeout, handover_atom::value)
      .receive([](const ResultPtr&) {}, [](const caf::error&) {});
}

bool Node::finish_calls(std::chrono::milliseconds grace, std::chrono::milliseconds answer_time) {
  std::unique_lock<std::mutex> lock(impl_->calls_mutex);
  const auto all_answered = [this] { return impl_->calls_in_flight == 0; };
  if (impl_->calls_answered.wait_for(lock, grace, all_answered)) return true;
  // Whoever still waits on the raft or apply actor is answered now.
  caf::anon_send(impl_->actors.raft, abandon_atom::value);
  caf::anon_send(impl_->actors.apply, abandon_atom::value);
  return impl_->calls_answered.wait_for(lock, answer_time, all_answered);
}

std::uint64_t Node::member_id() const { return impl_->actors.identity.member_id; }
std::uint64_t Node::cluster_id() const { return impl_->actors.identity.cluster_id; }

}  // namespace acord::actors
