#pragma once
// The messages acord's actors exchange inside one process: atoms (CAF 0.17
// style, at most 10 characters) and the payloads they carry. Payloads are
// shared pointers to immutable values, so a message is cheap to send and never
// copied; they never leave the process (peer traffic is msgpack, see protocol/).
#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/log.hpp"
#include "apply/history.hpp"
#include "apply/outcome.hpp"
#include "core/cluster/request_ids.hpp"
#include "actors/stream.hpp"
#include "core/kv/api_error.hpp"
#include "core/mvcc/mvcc_store.hpp"
#include "core/raft/raft_types.hpp"
#include "protocol/peer_frame.hpp"
#include "protocol/proposal.hpp"
#include "storage/rocks_store.hpp"

namespace google::protobuf {
class Message;
}

namespace acord::actors {

using write_atom = caf::atom_constant<caf::atom("write")>;
using propose_atom = caf::atom_constant<caf::atom("propose")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using expire_reads_atom = caf::atom_constant<caf::atom("expreads")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using readidx_atom = caf::atom_constant<caf::atom("readidx")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
using alarms_atom = caf::atom_constant<caf::atom("alarms")>;
using trim_atom = caf::atom_constant<caf::atom("trim")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using raft_link_atom = caf::atom_constant<caf::atom("raftlink")>;
// To the transport: (route_atom, PeerFrame kind, actor): frames of that kind go
// to that actor from now on.
using route_atom = caf::atom_constant<caf::atom("route")>;
// Local, between the raft actor and the transport: (frame_atom, peer id, kind, bytes).
using frame_atom = caf::atom_constant<caf::atom("frame")>;
// Local: Raft messages to send to peers, or received from them.
using outbound_atom = caf::atom_constant<caf::atom("outbound")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;
using get_dropped_atom = caf::atom_constant<caf::atom("dropped")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using etcd_snapshot_atom = caf::atom_constant<caf::atom("etcdsnap")>;
using install_atom = caf::atom_constant<caf::atom("install")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
// A stopping leader hands leadership over (to its most caught-up voter).
using handover_atom = caf::atom_constant<caf::atom("handover")>;
// Leases: a question only the leader can answer (LeaseQuery), the lease list,
// the leader's expired leases, and this member's leadership for its leases.
using lease_atom = caf::atom_constant<caf::atom("lease")>;
using leases_atom = caf::atom_constant<caf::atom("leases")>;
using hash_kv_atom = caf::atom_constant<caf::atom("hashkv")>;
using expired_atom = caf::atom_constant<caf::atom("expired")>;
using leader_atom = caf::atom_constant<caf::atom("leader")>;
// Client streams and watches.
using stream_request_atom = caf::atom_constant<caf::atom("streamreq")>;
using stream_end_atom = caf::atom_constant<caf::atom("streamend")>;
using stream_done_atom = caf::atom_constant<caf::atom("streamdone")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using watch_link_atom = caf::atom_constant<caf::atom("watchlink")>;
using events_atom = caf::atom_constant<caf::atom("events")>;
using resync_atom = caf::atom_constant<caf::atom("resync")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using term_atom = caf::atom_constant<caf::atom("term")>;
// Membership: the apply actor tells the raft actor the membership as of an
// applied index (conf_atom); the raft actor tells the transport who its peers
// are (members_atom).
using conf_atom = caf::atom_constant<caf::atom("conf")>;
// The member is stopping: every request still waiting is answered "server
// stopped" now.
using abandon_atom = caf::atom_constant<caf::atom("abandon")>;

// What a frame between members carries: protocol/peer_frame.hpp.
using protocol::PeerFrame;

// What only the leader knows about a lease: its expiry. Keep-alives renew it
// there, and a lease's remaining time is read there (as in etcd).
enum class LeaseQuery : std::uint8_t {
  renew = 1,        // answers etcdserverpb.LeaseKeepAliveResponse
  time_to_live = 2, // answers etcdserverpb.LeaseTimeToLiveResponse
};

// The cluster's members as of some applied entry.
using MembershipPtr = std::shared_ptr<const protocol::Membership>;

// Lease ids, as a list (expired leases to revoke).
using LeaseIdsPtr = std::shared_ptr<const std::vector<std::int64_t>>;

// A snapshot's bytes (storage/snapshot.hpp), shared rather than copied.
using SnapshotBytesPtr = std::shared_ptr<const std::string>;

// Raft messages moving between the raft actor and the peer transport.
using RaftMessagesPtr = std::shared_ptr<const std::vector<raft::Message>>;

// A durable write for the storage actor.
using WriteSetPtr = std::shared_ptr<const storage::WriteSet>;

// The outcome of applying (or reading): an error, or a response message.
using Result = apply::Outcome;
using ResultPtr = apply::OutcomePtr;

// A result that is only an error (or only a success without a response).
inline ResultPtr result_of(ApiError e) {
  auto r = std::make_shared<Result>();
  r->error = std::move(e);
  return r;
}

// Where a proposal's result goes: an actor, as (result_atom, id, ResultPtr);
// or a callback, run by the actor that has the result. A unary call from the
// front waits through a callback, so it needs no actor (and no scheduling
// hop) of its own. A callback runs at most once, whoever delivers first (the
// apply actor, or the raft actor's deadline).
class ReplyTo {
 public:
  ReplyTo() = default;
  ReplyTo(caf::actor actor) : actor_(std::move(actor)) {}  // NOLINT: an actor is a place to reply to
  explicit ReplyTo(std::function<void(const ResultPtr&)> fn) : once_(std::make_shared<Once>()) {
    once_->fn = std::move(fn);
  }
  explicit operator bool() const { return actor_ || once_; }
  void deliver(std::uint64_t id, ResultPtr r) const {
    if (actor_) {
      caf::anon_send(actor_, result_atom::value, id, std::move(r));
    } else if (once_ && !once_->done.exchange(true)) {
      once_->fn(r);
    }
  }

 private:
  struct Once {
    std::function<void(const ResultPtr&)> fn;
    std::atomic<bool> done{false};
  };
  caf::actor actor_;
  std::shared_ptr<Once> once_;
};

// Where a member's proposal ids come from: one sequence for all of its
// proposers (sessions and the raft actor's own entries), since a committed
// entry finds the request waiting on it by (member, id). Its start epoch
// keeps ids after a restart from repeating those of entries written before
// it that may still commit (cluster::ProposalIds).
using ProposalIds = std::shared_ptr<cluster::ProposalIds>;
// The next id. A start that has spent its range stops: its restart takes the
// next epoch (never a repeated id).
inline std::uint64_t next_proposal_id(cluster::ProposalIds& ids) {
  const auto id = ids.next();
  if (id == 0) log_fatal("this start has used every proposal id its epoch allows: restart the member");
  return id;
}

// A client request to be ordered through Raft.
struct ProposalRequest {
  protocol::Proposal proposal;
  ReplyTo reply_to;  // gets the result once applied; may be empty
};
using ProposalRequestPtr = std::shared_ptr<const ProposalRequest>;

// Committed entries for the apply actor, with the sessions waiting on them.
struct CommittedBatch {
  struct Waiter {
    raft::Index index = 0;         // the entry holding the session's proposal
    std::uint64_t proposal_id = 0;  // checked against the entry: it may have been replaced
    ReplyTo reply;
  };
  std::vector<raft::Entry> entries;
  std::vector<Waiter> waiters;  // in entry order
  raft::Term term = 0;          // the node's current term
};
using CommittedBatchPtr = std::shared_ptr<const CommittedBatch>;

// A read for the apply actor: answered once the applied index reaches
// `read_index` (0 for a serializable read).
struct ReadRequest {
  std::shared_ptr<const google::protobuf::Message> request;  // etcdserverpb.RangeRequest
  raft::Index read_index = 0;
  ReplyTo reply;                 // gets the result (id 0)
  std::int64_t expires_at_ms = 0;  // monotonic: "request timed out" if not applied that far by then
};
using ReadRequestPtr = std::shared_ptr<const ReadRequest>;

// Whoever waits for a read point (ReadIndex): called once by the raft actor,
// with the index, or with nothing when none came before the deadline.
struct ReadIndexWaiter {
  std::function<void(std::optional<raft::Index>)> done;
};
using ReadIndexWaiterPtr = std::shared_ptr<const ReadIndexWaiter>;

// A request read from a client stream (owned by the receiving session).
using StreamMessagePtr = std::shared_ptr<google::protobuf::Message>;

// The events of applied writes, in revision order, for the watch actor.
struct EventBatch {
  std::vector<mvcc::Event> events;
  std::int64_t revision = 0;  // the store's revision after the batch
  raft::Term term = 0;
};
using EventBatchPtr = std::shared_ptr<const EventBatch>;

// A watch that is behind asks the apply actor for history (MvccStore::history).
struct HistoryRequest {
  std::string key, end;
  std::int64_t from = 0;
  std::size_t max_events = 0;
};
using History = apply::History;
using HistoryPtr = std::shared_ptr<const History>;

// What a watch session asks of the watch actor for its stream.
struct WatchCommand {
  enum class Op { create, cancel, progress, drop_stream } op = Op::create;
  std::uint64_t stream = 0;
  StreamSinkPtr sink;               // create only
  std::shared_ptr<const google::protobuf::Message> create;  // etcdserverpb.WatchCreateRequest
  std::int64_t watch_id = 0;        // cancel only
};
using WatchCommandPtr = std::shared_ptr<const WatchCommand>;

// What the raft actor reports about consensus.
struct RaftStatus {
  raft::Term term = 0;
  raft::NodeId leader = 0;
  raft::Index last_index = 0;
  raft::Index commit_index = 0;
};

// What the apply actor reports about the state machine.
struct ApplyStatus {
  raft::Index applied_index = 0;
  std::int64_t revision = 0;
  std::int64_t db_size_bytes = 0;
  std::int64_t db_size_in_use_bytes = 0;
  bool no_space = false;
  std::uint64_t cluster_id = 0;
  std::uint64_t member_id = 0;
  raft::Term term = 0;
  protocol::Membership membership;
};

}  // namespace acord::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::RaftMessagesPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::SnapshotBytesPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::WriteSetPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ProposalRequestPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ResultPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::CommittedBatchPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ReadRequestPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ReadIndexWaiterPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::RaftStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::LeaseIdsPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::MembershipPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::StreamMessagePtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::EventBatchPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::HistoryRequest)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::HistoryPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::WatchCommandPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ApplyStatus)
