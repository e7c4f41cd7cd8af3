#include "actors/snapshot_transfer.hpp"

#include "actors/log.hpp"
#include "core/cluster/cluster_identity.hpp"
#include "core/limits.hpp"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<SnapshotTransferState>;

void send_snapshot(Self* self, raft::NodeId to) {
  auto& st = self->state;
  if (!st.sending.insert(to).second) return;
  self->request(st.args.apply, caf::infinite, snapshot_atom::value)
      .then([=](raft::Index index, raft::Term term, const SnapshotBytesPtr& bytes) {
        auto& st = self->state;
        st.sending.erase(to);
        // The term comes with the state machine: the raft core's in-memory log
        // may have forgotten the entry at `index` (the apply actor can lag
        // behind what it keeps). A store written before the applied term was
        // kept has none until an entry is applied.
        if (term == 0) {
          log_warn("no term known yet for a snapshot at index " + std::to_string(index) + "; not sent to " +
                   cluster::to_hex(to) + " (Raft asks again)");
          return;
        }
        log_info("sending a snapshot at index " + std::to_string(index) + " (" + std::to_string(bytes->size()) +
                 " bytes) to " + cluster::to_hex(to));
        for (auto& frame : protocol::snapshot_chunk_frames(index, term, *bytes, limits::snapshot_chunk_bytes)) {
          self->send(st.args.transport, frame_atom::value, to, static_cast<std::uint8_t>(PeerFrame::snapshot_chunk),
                     std::move(frame));
        }
      });
}

}  // namespace

caf::behavior snapshot_transfer(Self* self, SnapshotTransferArgs args) {
  self->state.args = std::move(args);
  return {
      [=](snapshot_atom, raft::NodeId to) { send_snapshot(self, to); },
      [=](frame_atom, raft::NodeId from, std::uint8_t kind, const std::string& bytes) {
        auto& st = self->state;
        if (static_cast<PeerFrame>(kind) != PeerFrame::snapshot_chunk || !st.args.raft) return;
        auto snap = st.incoming.add(from, bytes);
        if (!snap) return;
        auto data = std::make_shared<std::string>(std::move(snap->bytes));
        self->send(st.args.raft, install_atom::value, from, snap->index, snap->term, SnapshotBytesPtr(data));
      },
      [=](raft_link_atom, const caf::actor& raft) { self->state.args.raft = raft; },
  };
}

}  // namespace acord::actors
