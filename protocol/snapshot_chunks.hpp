#pragma once
// A snapshot of the state machine travels to a member behind the leader's log
// outside Raft's messages (as etcd sends it through its peer transport): cut
// into chunks, each a frame of its own, and put together again on the other
// side. A chunk that is lost, late or from another snapshot loses the whole
// snapshot; Raft asks for another after an election timeout.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/raft_types.hpp"

namespace acord::protocol {

// One chunk's frame: msgpack [index, term, offset, total size, bytes].
std::vector<std::string> snapshot_chunk_frames(raft::Index index, raft::Term term, const std::string& bytes,
                                               std::size_t chunk_bytes);

// The receiving side: chunks from one sender, in order.
class SnapshotAssembly {
 public:
  struct Complete {
    raft::Index index = 0;
    raft::Term term = 0;
    raft::NodeId from = 0;
    std::string bytes;
  };
  // A chunk's frame from `from`. Returns the whole snapshot once its last
  // chunk arrived; a chunk that starts another snapshot (offset 0) drops the
  // one being put together, and one that does not follow it is ignored.
  // Malformed frames are ignored.
  std::optional<Complete> add(raft::NodeId from, const std::string& frame);

 private:
  raft::Index index_ = 0;
  raft::Term term_ = 0;
  raft::NodeId from_ = 0;
  std::uint64_t total_ = 0;
  std::string bytes_;
  bool open_ = false;
};

}  // namespace acord::protocol
