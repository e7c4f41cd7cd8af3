#pragma once
// The messages acord's actors exchange inside one process: atoms (CAF 0.17
// style, at most 10 characters) and the payloads they carry. Payloads are
// shared pointers to immutable values, so a message is cheap to send and never
// copied; they never leave the process (peer traffic is msgpack, see protocol/).
#include <caf/all.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/kv/api_error.hpp"
#include "core/raft/raft_types.hpp"
#include "protocol/proposal.hpp"
#include "storage/rocks_store.hpp"

namespace google::protobuf {
class Message;
}

namespace acord::actors {

using write_atom = caf::atom_constant<caf::atom("write")>;
using propose_atom = caf::atom_constant<caf::atom("propose")>;
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
// Between members: (peer_atom, cluster id, sender id, PeerFrame kind, bytes).
using peer_atom = caf::atom_constant<caf::atom("peer")>;
// Local, between the raft actor and the transport: (frame_atom, peer id, kind, bytes).
using frame_atom = caf::atom_constant<caf::atom("frame")>;
// Local: Raft messages to send to peers, or received from them.
using outbound_atom = caf::atom_constant<caf::atom("outbound")>;
using inbound_atom = caf::atom_constant<caf::atom("inbound")>;
using connect_retry_atom = caf::atom_constant<caf::atom("reconnect")>;
using get_dropped_atom = caf::atom_constant<caf::atom("dropped")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using install_atom = caf::atom_constant<caf::atom("install")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;

// What a frame between members carries.
enum class PeerFrame : std::uint8_t {
  raft = 1,           // a raft::Message (protocol/raft_wire)
  proposal = 2,       // a follower's proposal for the leader (protocol/proposal)
  read_request = 3,   // a follower asks the leader for a read index: msgpack [context]
  read_response = 4,  // the leader's answer: msgpack [context, index]
  snapshot_chunk = 5, // part of a snapshot: msgpack [index, term, offset, total size, bytes]
};

// A snapshot's bytes (storage/snapshot.hpp), shared rather than copied.
using SnapshotBytesPtr = std::shared_ptr<const std::string>;

// Raft messages moving between the raft actor and the peer transport.
using RaftMessagesPtr = std::shared_ptr<const std::vector<raft::Message>>;

// A durable write for the storage actor.
using WriteSetPtr = std::shared_ptr<const storage::WriteSet>;

// A client request to be ordered through Raft.
struct ProposalRequest {
  protocol::Proposal proposal;
  caf::actor reply_to;  // gets (result_atom, id, ResultPtr) once applied; may be null
};
using ProposalRequestPtr = std::shared_ptr<const ProposalRequest>;

// The outcome of applying (or reading): an error, or a response message.
struct Result {
  ApiError error;
  std::shared_ptr<google::protobuf::Message> response;
};
using ResultPtr = std::shared_ptr<Result>;

// Committed entries for the apply actor, with the sessions waiting on them.
struct CommittedBatch {
  struct Waiter {
    raft::Index index = 0;         // the entry holding the session's proposal
    std::uint64_t proposal_id = 0;  // checked against the entry: it may have been replaced
    caf::actor session;
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
};
using ReadRequestPtr = std::shared_ptr<const ReadRequest>;

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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::RaftStatus)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acord::actors::ApplyStatus)
