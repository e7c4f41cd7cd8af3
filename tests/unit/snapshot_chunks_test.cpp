// A snapshot cut into chunk frames and put together again: whole, in order,
// from one sender; anything else loses it rather than installing a mix.
#include <catch2/catch.hpp>

#include "protocol/snapshot_chunks.hpp"

using namespace acord::protocol;

TEST_CASE("a snapshot's chunks put together give its bytes, index and term", "[snapshot][chunks]") {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += static_cast<char>(i * 7);
  auto frames = snapshot_chunk_frames(42, 3, bytes, 300);
  REQUIRE(frames.size() == 4);
  SnapshotAssembly in;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) CHECK_FALSE(in.add(5, frames[i]));
  auto done = in.add(5, frames.back());
  REQUIRE(done);
  CHECK(done->index == 42);
  CHECK(done->term == 3);
  CHECK(done->from == 5);
  CHECK(done->bytes == bytes);
  // An empty snapshot is one frame.
  auto empty = snapshot_chunk_frames(7, 1, "", 300);
  REQUIRE(empty.size() == 1);
  auto e = SnapshotAssembly{}.add(5, empty[0]);
  REQUIRE(e);
  CHECK(e->bytes.empty());
}

TEST_CASE("a lost, repeated, foreign or malformed chunk never completes a mixed snapshot", "[snapshot][chunks]") {
  const std::string a(900, 'a'), b(900, 'b');
  auto fa = snapshot_chunk_frames(10, 2, a, 300), fb = snapshot_chunk_frames(11, 2, b, 300);
  SnapshotAssembly in;
  // A lost middle chunk: the rest does not complete it.
  CHECK_FALSE(in.add(1, fa[0]));
  CHECK_FALSE(in.add(1, fa[2]));
  // Another sender's chunks do not mix in.
  CHECK_FALSE(in.add(2, fa[1]));
  CHECK_FALSE(in.add(1, "garbage"));
  // A new snapshot starting drops the old one; the old one's chunks are ignored then.
  CHECK_FALSE(in.add(1, fb[0]));
  CHECK_FALSE(in.add(1, fa[1]));
  CHECK_FALSE(in.add(1, fb[1]));
  CHECK_FALSE(in.add(1, fb[1]));  // repeated
  auto done = in.add(1, fb[2]);
  REQUIRE(done);
  CHECK(done->index == 11);
  CHECK(done->bytes == b);
  // Once complete, a late chunk starts nothing.
  CHECK_FALSE(in.add(1, fb[2]));
}
