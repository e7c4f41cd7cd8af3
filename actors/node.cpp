#include "actors/node.hpp"

#include <algorithm>

#include "actors/apply_actor.hpp"
#include "actors/raft_actor.hpp"
#include "actors/session_actor.hpp"
#include "actors/storage_actor.hpp"
#include "core/limits.hpp"

namespace acord::actors {
namespace {

// The first entries of a new cluster, as etcd writes them at term 1: the
// membership (etcd: one ConfChange per member). Committed from the start.
storage::WriteSet bootstrap(const NodeConfig& c, const storage::Identity& id) {
  storage::WriteSet w;
  w.identity = id;
  protocol::Membership m;
  m.cluster_id = id.cluster_id;
  m.members = c.initial_cluster;
  w.entries.push_back(raft::Entry{1, 1, raft::EntryType::membership, protocol::encode(m)});
  w.hard_state = raft::HardState{1, 0, 1};
  w.sync = true;
  return w;
}

}  // namespace

struct Node::Impl {
  std::unique_ptr<storage::RocksStore> store;
  caf::actor_system_config cfg;  // must outlive the system
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<SessionContext> ctx;
  caf::actor storage, raft, apply;
  storage::Identity identity;
};

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Node> Node::start(const NodeConfig& c, std::string& error) {
  auto impl = std::make_unique<Impl>();
  // Who we are, from the flags, computed as etcd computes it.
  auto self_it = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                              [&](const cluster::Member& m) { return m.name == c.name; });
  if (self_it == c.initial_cluster.end()) {
    error = "couldn't find local name \"" + c.name + "\" in the initial cluster configuration";
    return nullptr;
  }
  auto advertised = c.advertise_peer_urls;
  std::sort(advertised.begin(), advertised.end());
  if (advertised != self_it->peer_urls) {
    error = "--initial-cluster has " + c.name + " with peer urls that differ from --initial-advertise-peer-urls";
    return nullptr;
  }
  if (c.initial_cluster.size() != 1) {
    error = "--initial-cluster names " + std::to_string(c.initial_cluster.size()) +
            " members; this build of acord runs single-member clusters only";
    return nullptr;
  }
  std::vector<std::uint64_t> ids;
  for (const auto& m : c.initial_cluster) ids.push_back(m.id);
  const storage::Identity wanted{self_it->id, cluster::cluster_id(ids), c.name};

  impl->store = storage::RocksStore::open(c.data_dir, error);
  if (!impl->store) return nullptr;
  storage::Loaded loaded;
  if (!impl->store->load(loaded, error)) {
    error = "data dir " + c.data_dir + ": " + error;
    return nullptr;
  }
  if (!loaded.identity) {
    if (!loaded.entries.empty() || !loaded.records.empty()) {
      error = "data dir " + c.data_dir + " holds data but no identity: refusing to guess whose it is";
      return nullptr;
    }
    if (c.join_existing) {
      error = "--initial-cluster-state existing: joining a running cluster needs its peers, and this build of acord "
              "runs single-member clusters only; use --initial-cluster-state new";
      return nullptr;
    }
    auto w = bootstrap(c, wanted);
    if (!impl->store->write(w, error) || !impl->store->load(loaded, error)) return nullptr;
  } else if (loaded.identity->cluster_id != wanted.cluster_id || loaded.identity->member_id != wanted.member_id) {
    error = "data dir " + c.data_dir + " belongs to member " + cluster::to_hex(loaded.identity->member_id) +
            " of cluster " + cluster::to_hex(loaded.identity->cluster_id) + ", but the flags describe member " +
            cluster::to_hex(wanted.member_id) + " of cluster " + cluster::to_hex(wanted.cluster_id) +
            " (check --name, --initial-cluster, --initial-advertise-peer-urls, --initial-cluster-token)";
    return nullptr;
  }
  impl->identity = *loaded.identity;

  raft::Restored restored;
  restored.hard_state = loaded.hard_state;
  restored.entries = std::move(loaded.entries);
  restored.first_index = loaded.log_start.first_index;
  restored.term_before_first = loaded.log_start.term_before_first;
  restored.applied = loaded.apply_state.applied_index;
  raft::Config rc;
  rc.id = impl->identity.member_id;
  rc.voters = ids;
  rc.election_ticks = limits::raft_election_ticks;
  rc.heartbeat_ticks = limits::raft_heartbeat_ticks;
  rc.seed = impl->identity.member_id;
  auto core = std::make_shared<raft::RaftCore>(rc, std::move(restored));

  // The sharing scheduler parks idle workers on a condition variable; the
  // default work-stealing one spins, which costs a coordination service CPU it
  // mostly spends waiting for the disk and the network.
  impl->cfg.set("scheduler.policy", caf::atom("sharing"));
  impl->system = std::make_unique<caf::actor_system>(impl->cfg);
  auto& sys = *impl->system;
  impl->storage = sys.spawn<caf::detached>(storage_actor, impl->store.get());

  ApplyActorArgs aa;
  aa.identity = impl->identity;
  aa.restored = std::move(loaded.apply_state);
  aa.records = std::move(loaded.records);
  aa.quota_bytes = c.quota_bytes;
  aa.snapshot_count = c.snapshot_count;
  aa.storage = impl->storage;
  const bool version_known = !aa.restored.cluster_version.empty();
  impl->apply = sys.spawn(apply_actor, std::move(aa));

  RaftActorArgs ra;
  ra.core = core;
  ra.storage = impl->storage;
  ra.apply = impl->apply;
  ra.retain_entries = std::min<std::uint64_t>(limits::raft_log_retain_entries, c.snapshot_count);
  protocol::MemberAttributes attrs;
  attrs.member_id = impl->identity.member_id;
  attrs.name = c.name;
  attrs.client_urls = c.advertise_client_urls;
  ra.on_leadership.push_back(
      protocol::Proposal{protocol::Proposal::current_version, attrs.member_id, 0, protocol::ProposalKind::publish,
                         protocol::encode(attrs)});
  if (!version_known) {
    ra.on_leadership.push_back(protocol::Proposal{protocol::Proposal::current_version, attrs.member_id, 0,
                                                  protocol::ProposalKind::cluster_version, "3.4.0"});
  }
  impl->raft = sys.spawn(raft_actor, std::move(ra));
  caf::anon_send(impl->apply, raft_link_atom::value, impl->raft);

  impl->ctx = std::make_shared<SessionContext>();
  impl->ctx->raft = impl->raft;
  impl->ctx->apply = impl->apply;
  impl->ctx->member_id = impl->identity.member_id;
  impl->ctx->max_request_bytes = c.max_request_bytes;
  impl->ctx->max_txn_ops = c.max_txn_ops;
  impl->ctx->version = c.version;

  caf::anon_send(impl->raft, start_atom::value);
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::~Node() {
  if (!impl_ || !impl_->system) return;
  for (auto* a : {&impl_->raft, &impl_->apply, &impl_->storage}) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  impl_->system->await_all_actors_done();
  // A detached actor's thread ends only once every handle to it is gone.
  impl_->ctx.reset();
  impl_->raft = impl_->apply = impl_->storage = caf::actor{};
  impl_->system.reset();
}

void Node::submit(CallPtr call) { impl_->system->spawn(session_actor, impl_->ctx, std::move(call)); }

std::uint64_t Node::member_id() const { return impl_->identity.member_id; }
std::uint64_t Node::cluster_id() const { return impl_->identity.cluster_id; }

}  // namespace acord::actors
