#include "actors/node_wiring.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "actors/apply_actor.hpp"
#include "actors/clock.hpp"
#include "actors/log.hpp"
#include "storage/etcd_import.hpp"
#include "actors/lease_actor.hpp"
#include "actors/lease_relay.hpp"
#include "actors/snapshot_transfer.hpp"
#include "actors/watch_actor.hpp"
#include "actors/peer_transport.hpp"
#include "actors/raft_actor.hpp"
#include "actors/storage_actor.hpp"
#include "core/cluster/membership_change.hpp"
#include "core/cluster/url.hpp"
#include "core/limits.hpp"

namespace acord::actors {
namespace {

// A new cluster's members, as --initial-cluster names them. Every member
// writes the same, whatever order its flags list the members in.
protocol::Membership initial_membership(const NodeConfig& c, const storage::Identity& id) {
  protocol::Membership m;
  m.cluster_id = id.cluster_id;
  m.members = c.initial_cluster;
  std::sort(m.members.begin(), m.members.end(),
            [](const cluster::Member& a, const cluster::Member& b) { return a.id < b.id; });
  return m;
}

// The first entries of a new cluster, as etcd writes them at term 1: the
// membership (etcd: one ConfChange per member). Committed from the start.
storage::WriteSet bootstrap(const NodeConfig& c, const storage::Identity& id) {
  storage::WriteSet w;
  w.identity = id;
  w.entries.push_back(raft::Entry{1, 1, raft::EntryType::membership, protocol::encode(initial_membership(c, id))});
  w.hard_state = raft::HardState{1, 0, 1};
  w.sync = true;
  return w;
}

// Whether the cluster version was recorded: in the applied state, or in a log
// entry that will be applied again (after a power cut lost the applied state).
bool cluster_version_recorded(const storage::Loaded& loaded) {
  if (!loaded.apply_state.cluster_version.empty()) return true;
  for (const auto& e : loaded.entries) {
    auto p = e.type == raft::EntryType::normal ? protocol::decode_proposal(e.data) : std::nullopt;
    if (p && p->kind == protocol::ProposalKind::cluster_version) return true;
  }
  return false;
}

std::vector<std::uint64_t> voter_ids(const NodeConfig& c) {
  std::vector<std::uint64_t> ids;
  for (const auto& m : c.initial_cluster) ids.push_back(m.id);
  return ids;
}

// A new member of a running cluster: its identity and the members as the
// cluster told them; its log starts empty, and the leader sends the rest.
bool join(const NodeConfig& c, storage::Store& store, const FetchCluster& fetch, std::string& error) {
  if (!fetch) {
    error = "--initial-cluster-state existing: no way to reach the cluster's members";
    return false;
  }
  const FindSelf find_self = [&c](const protocol::Membership& existing, std::string& e) {
    auto id = cluster::find_joining_member(c.initial_cluster, c.name, existing.members, e);
    if (!id) e = "error validating peerURLs: " + e;
    return id;
  };
  auto existing = fetch(find_self, error);
  if (!existing) return false;
  const auto id = find_self(*existing, error);
  if (!id) return false;
  storage::WriteSet w;
  w.identity = storage::Identity{*id, existing->cluster_id, c.name, true};
  storage::ApplyState state;
  state.membership = std::move(*existing);  // whom to answer until the log or a snapshot says otherwise
  w.apply_state = std::move(state);
  w.sync = true;
  log_info("joining cluster " + cluster::to_hex(w.identity->cluster_id) + " as member " + cluster::to_hex(*id));
  return store.write(w, error);
}

// A start of its own for this member: its epoch goes up, durably, before
// anything is proposed (cluster::ProposalIds).
bool raise_start_epoch(storage::Store& store, storage::Loaded& loaded, std::string& error) {
  if (loaded.start_epoch >= cluster::ProposalIds::max_epoch) {
    error = "the data directory has been started " + std::to_string(loaded.start_epoch) +
            " times, the most its proposal ids allow";
    return false;
  }
  storage::WriteSet w;
  w.start_epoch = ++loaded.start_epoch;
  w.sync = true;
  return store.write(w, error);
}

bool check_or_make_identity(const NodeConfig& c, storage::Store& store, storage::Loaded& loaded, std::string& error,
                            bool* restarted, const FetchCluster& fetch_cluster);

}  // namespace

bool prepare_store(const NodeConfig& c, storage::Store& store, storage::Loaded& loaded, std::string& error,
                   bool* restarted, const FetchCluster& fetch_cluster) {
  return check_or_make_identity(c, store, loaded, error, restarted, fetch_cluster) &&
         raise_start_epoch(store, loaded, error);
}

namespace {

bool check_or_make_identity(const NodeConfig& c, storage::Store& store, storage::Loaded& loaded, std::string& error,
                            bool* restarted, const FetchCluster& fetch_cluster) {
  // Who we are, from the flags, computed as etcd computes it.
  auto self_it = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                              [&](const cluster::Member& m) { return m.name == c.name; });
  if (self_it == c.initial_cluster.end()) {
    error = "couldn't find local name \"" + c.name + "\" in the initial cluster configuration";
    return false;
  }
  auto advertised = c.advertise_peer_urls;
  std::sort(advertised.begin(), advertised.end());
  if (advertised != self_it->peer_urls) {
    error = "--initial-cluster has " + c.name + " with peer urls that differ from --initial-advertise-peer-urls";
    return false;
  }
  const storage::Identity wanted{self_it->id, cluster::cluster_id(voter_ids(c)), c.name};

  if (!store.load(loaded, error)) {
    error = "data dir " + c.data_dir + ": " + error;
    return false;
  }
  if (restarted != nullptr) *restarted = loaded.identity.has_value();
  if (!loaded.identity) {
    if (!loaded.entries.empty() || !loaded.records.empty()) {
      error = "data dir " + c.data_dir + " holds data but no identity: refusing to guess whose it is";
      return false;
    }
    if (c.join_existing) return join(c, store, fetch_cluster, error) && store.load(loaded, error);
    auto first = bootstrap(c, wanted);
    // A directory `etcdctl snapshot restore` wrote: start from its data.
    if (auto etcd = storage::import_etcd_data_dir(c.data_dir, c.initial_cluster.size(), error)) {
      for (auto& r : etcd->records) first.mvcc_ops.push_back(mvcc::MirrorOp{false, std::move(r)});
      for (const auto& l : etcd->leases) first.lease_ops.push_back(storage::LeaseOp{false, l});
      storage::ApplyState state;
      state.current_revision = etcd->current_revision;
      state.compacted_revision = etcd->compacted_revision;
      // The imported data is the state machine as of the membership entry,
      // which is applied, not logged: a member that joins later and needs
      // what came before gets a snapshot (the log cannot replay the import).
      state.membership = initial_membership(c, wanted);
      state.applied_index = 1;
      state.applied_term = 1;
      first.entries.clear();
      first.reset_log = storage::LogStart{2, 1};
      first.apply_state = state;
      log_info("starting from the etcd snapshot restored in " + c.data_dir + "/member (revision " +
               std::to_string(etcd->current_revision) + ", " + std::to_string(first.mvcc_ops.size()) +
               " records, " + std::to_string(first.lease_ops.size()) + " leases)");
    } else if (!error.empty()) {
      error = "data dir " + c.data_dir + ": " + error;
      return false;
    }
    return store.write(first, error) && store.load(loaded, error);
  }
  if (loaded.identity->joined) {
    // Its ids came from the cluster; like etcd, a restarted member goes by
    // its data, whatever --initial-cluster says now. Only the name must agree.
    if (loaded.identity->name != c.name) {
      error = "data dir " + c.data_dir + " belongs to member " + cluster::to_hex(loaded.identity->member_id) +
              " named " + loaded.identity->name + ", but --name is " + c.name;
      return false;
    }
    return true;
  }
  if (loaded.identity->cluster_id != wanted.cluster_id || loaded.identity->member_id != wanted.member_id) {
    error = "data dir " + c.data_dir + " belongs to member " + cluster::to_hex(loaded.identity->member_id) +
            " of cluster " + cluster::to_hex(loaded.identity->cluster_id) + ", but the flags describe member " +
            cluster::to_hex(wanted.member_id) + " of cluster " + cluster::to_hex(wanted.cluster_id) +
            " (check --name, --initial-cluster, --initial-advertise-peer-urls, --initial-cluster-token)";
    return false;
  }
  return true;
}

}  // namespace

NodeActors spawn_node(caf::actor_system& sys, const NodeConfig& c, storage::Store& store, storage::Loaded loaded,
                      bool detached_storage, std::shared_ptr<transport::PeerNetwork> network) {
  NodeActors node;
  node.identity = *loaded.identity;
  const bool version_known = cluster_version_recorded(loaded);

  raft::Restored restored;
  restored.hard_state = loaded.hard_state;
  restored.entries = std::move(loaded.entries);
  restored.first_index = loaded.log_start.first_index;
  restored.term_before_first = loaded.log_start.term_before_first;
  restored.applied = loaded.apply_state.applied_index;
  raft::Config rc;
  rc.id = node.identity.member_id;
  // Who votes: the membership as last applied (a new member has applied none
  // yet; its first entries, or a snapshot, tell it). Later membership entries
  // are applied again from the log, and the apply actor tells the raft actor.
  const auto& applied = loaded.apply_state;
  if (applied.applied_index > 0) rc.voters = cluster::voter_ids(applied.membership.members);
  rc.voters_index = applied.applied_index;
  auto known_members = std::make_shared<protocol::Membership>(applied.membership);
  rc.election_ticks = std::max(1, c.election_timeout_ms / std::max(1, c.heartbeat_interval_ms));
  rc.heartbeat_ticks = 1;
  rc.max_bytes_per_message = limits::raft_message_bytes_max;
  // Proposals and reads made without a leader wait in the core as long as
  // their requests do, and no more of them than sessions may have pending.
  rc.max_waiting_entries = limits::pending_proposals_max;
  rc.epoch = loaded.start_epoch;
  rc.max_wait_ticks = limits::request_timeout_ticks(c.heartbeat_interval_ms);
  // Each start draws a fresh seed: members (and restarts) must not share
  // election timeouts, or their elections split again and again.
  rc.seed = std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32);
  auto core = std::make_shared<raft::RaftCore>(rc, std::move(restored));

  node.storage = detached_storage ? sys.spawn<caf::detached>(storage_actor, &store) : sys.spawn(storage_actor, &store);

  apply::Config mc;
  mc.identity = node.identity;
  mc.values = &store;
  mc.min_lease_ttl_s = limits::min_lease_ttl_s(c.election_timeout_ms);
  mc.election_timeout_ms = c.election_timeout_ms;
  mc.quota_bytes = c.quota_bytes;
  mc.recent_values_revisions = c.recent_values_revisions;
  std::vector<std::int64_t> lease_ids;  // for the ids this member chooses, below
  for (const auto& l : loaded.leases) lease_ids.push_back(l.id);
  auto machine = std::make_shared<SharedMachine>(std::make_unique<apply::StateMachine>(
      mc, std::move(loaded.apply_state), std::move(loaded.records), loaded.leases, monotonic_ms()));
  ApplyActorArgs aa;
  aa.machine = machine;
  aa.snapshot_count = c.snapshot_count;
  aa.storage = node.storage;
  node.apply = sys.spawn(apply_actor, std::move(aa));

  // The transport carries Raft's messages to the peers (it learns the raft
  // actor once that exists, and the members whenever they change). A single
  // member has one too: a member may be added.
  PeerTransportArgs ta;
  ta.self_id = node.identity.member_id;
  ta.cluster_id = node.identity.cluster_id;
  ta.network = network;
  node.transport = sys.spawn(peer_transport, ta);
  if (!known_members->members.empty()) caf::anon_send(node.transport, members_atom::value, MembershipPtr(known_members));

  node.lease_relay = sys.spawn(lease_relay, LeaseRelayArgs{node.apply, node.transport, c.heartbeat_interval_ms});
  node.snapshot_transfer = sys.spawn(snapshot_transfer, SnapshotTransferArgs{node.apply, node.transport, {}});
  for (auto [kind, to] : {std::make_pair(PeerFrame::lease_request, node.lease_relay),
                          std::make_pair(PeerFrame::lease_response, node.lease_relay),
                          std::make_pair(PeerFrame::snapshot_chunk, node.snapshot_transfer)}) {
    caf::anon_send(node.transport, route_atom::value, static_cast<std::uint8_t>(kind), to);
  }

  const auto proposal_ids = std::make_shared<cluster::ProposalIds>(loaded.start_epoch);
  RaftActorArgs ra;
  ra.core = core;
  ra.proposal_ids = proposal_ids;
  ra.transport = node.transport;
  ra.network = network;
  ra.tick_ms = c.heartbeat_interval_ms;
  ra.storage = node.storage;
  ra.apply = node.apply;
  ra.lease_relay = node.lease_relay;
  ra.snapshot_transfer = node.snapshot_transfer;
  ra.retain_entries = std::min<std::uint64_t>(limits::raft_log_retain_entries, c.snapshot_count);
  ra.on_removed = c.on_removed;
  // Once a leader is known the node publishes its name and client urls; a new
  // cluster's leader also records the cluster version (as etcd's does).
  protocol::MemberAttributes attrs;
  attrs.member_id = node.identity.member_id;
  attrs.name = c.name;
  attrs.client_urls = c.advertise_client_urls;
  ra.self_id = node.identity.member_id;
  ra.publish = protocol::Proposal{protocol::Proposal::current_version, attrs.member_id, 0,
                                  protocol::ProposalKind::publish, protocol::encode(attrs)};
  if (!version_known) {
    ra.on_leadership.push_back(protocol::Proposal{protocol::Proposal::current_version, attrs.member_id, 0,
                                                  protocol::ProposalKind::cluster_version, "3.4.0"});
  }
  node.raft = sys.spawn(raft_actor, std::move(ra));
  caf::anon_send(node.apply, raft_link_atom::value, node.raft);
  WatchActorArgs wa;
  wa.apply = node.apply;
  wa.cluster_id = node.identity.cluster_id;
  wa.member_id = node.identity.member_id;
  // etcd fragments past the request limit plus gRPC's overhead allowance.
  wa.max_request_bytes = c.max_request_bytes + limits::grpc_overhead_bytes;
  wa.progress_notify_ms = c.watch_progress_notify_ms;
  wa.values = &store;
  node.watch = sys.spawn(watch_actor, wa);
  caf::anon_send(node.apply, watch_link_atom::value, node.watch);
  node.lease = sys.spawn(lease_actor, LeaseActorArgs{node.apply, node.raft, node.identity.member_id});
  caf::anon_send(node.transport, raft_link_atom::value, node.raft);
  caf::anon_send(node.snapshot_transfer, raft_link_atom::value, node.raft);

  node.sessions = std::make_shared<SessionContext>();
  node.sessions->proposal_ids = proposal_ids;
  node.sessions->raft = node.raft;
  node.sessions->leases = node.lease_relay;
  node.sessions->apply = node.apply;
  node.sessions->machine = machine;
  node.sessions->watch = node.watch;
  node.sessions->member_id = node.identity.member_id;
  node.sessions->max_request_bytes = c.max_request_bytes;
  node.sessions->max_txn_ops = c.max_txn_ops;
  node.sessions->version = c.version;
  // Lease ids this member chooses: its id's low 16 bits, then a counter
  // started from the clock (etcd's idutil) and past every lease it holds.
  const auto clock_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  node.sessions->lease_ids = cluster::lease_ids_for(node.identity.member_id, clock_ms, lease_ids);
  node.sessions->next_lease_suffix = node.sessions->lease_ids.first_suffix;

  caf::anon_send(node.raft, start_atom::value);
  return node;
}

void stop_node(NodeActors& node) {
  for (auto* a : {&node.lease, &node.lease_relay, &node.snapshot_transfer, &node.watch, &node.raft, &node.apply,
                  &node.storage, &node.transport}) {
    if (*a) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  }
  // A detached actor's thread ends only once every handle to it is gone.
  node.sessions.reset();
  node.lease = node.lease_relay = node.snapshot_transfer = node.watch = node.raft = node.apply = node.storage =
      node.transport = caf::actor{};
}

}  // namespace acord::actors
