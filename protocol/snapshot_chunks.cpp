#include "protocol/snapshot_chunks.hpp"

#include <algorithm>
#include <tuple>

#include "protocol/msgpack_tuple.hpp"

namespace acord::protocol {

using ChunkFrame = std::tuple<raft::Index, raft::Term, std::uint64_t, std::uint64_t, std::string>;

std::vector<std::string> snapshot_chunk_frames(raft::Index index, raft::Term term, const std::string& bytes,
                                               std::size_t chunk_bytes) {
  std::vector<std::string> frames;
  const std::uint64_t total = bytes.size();
  std::uint64_t offset = 0;
  do {
    const auto n = std::min<std::uint64_t>(chunk_bytes, total - offset);
    frames.push_back(pack_tuple(ChunkFrame{index, term, offset, total, bytes.substr(offset, n)}));
    offset += n;
  } while (offset < total);
  return frames;
}

std::optional<SnapshotAssembly::Complete> SnapshotAssembly::add(raft::NodeId from, const std::string& frame) {
  auto t = unpack_tuple<ChunkFrame>(frame);
  if (!t) return std::nullopt;
  auto& [index, term, offset, total, bytes] = *t;
  if (offset == 0) {
    index_ = index;
    term_ = term;
    from_ = from;
    total_ = total;
    bytes_.clear();
    open_ = true;
  }
  if (!open_ || index != index_ || from != from_ || bytes_.size() != offset || offset + bytes.size() > total_) {
    return std::nullopt;
  }
  bytes_ += bytes;
  if (bytes_.size() < total_) return std::nullopt;
  open_ = false;
  return Complete{index_, term_, from_, std::move(bytes_)};
}

}  // namespace acord::protocol
