// The ids a member chooses: proposal ids never repeat across starts (they
// come from the start epoch, not the clock), and lease ids continue past
// every lease the member holds even when the clock was set back.
#include <catch2/catch.hpp>

#include <set>

#include "core/cluster/request_ids.hpp"

using namespace acord::cluster;

TEST_CASE("proposal ids of one start never meet another start's", "[ids]") {
  std::set<std::uint64_t> seen;
  for (std::uint64_t epoch = 1; epoch <= 3; ++epoch) {
    ProposalIds ids(epoch, 8);
    std::uint64_t last = 0;
    for (int i = 0; i < 255; ++i) {
      const auto id = ids.next();
      REQUIRE(id != 0);
      REQUIRE(id > last);  // increasing within a start
      REQUIRE(seen.insert(id).second);
      last = id;
    }
    // The range spent: no id rather than one of the next epoch's.
    CHECK(ids.next() == 0);
    CHECK(ids.next() == 0);
  }
  // The real range: epoch 1 starts above every id of epoch 0.
  ProposalIds e0(0), e1(1);
  CHECK(e0.next() < (std::uint64_t{1} << ProposalIds::counter_bits));
  CHECK(e1.next() > (std::uint64_t{1} << ProposalIds::counter_bits));
  // The last epoch's range ends at 2^64 and is usable.
  ProposalIds last(ProposalIds::max_epoch);
  CHECK(last.next() != 0);
}

TEST_CASE("lease ids continue past the member's leases, whatever the clock", "[ids]") {
  const std::uint64_t member = 0x1234abcd5678ef01ULL;
  const std::uint64_t now_ms = 1'700'000'000'000ULL;
  auto ids = lease_ids_for(member, now_ms, {});
  const auto first = lease_id(ids, ids.first_suffix);
  CHECK(first > 0);
  CHECK((static_cast<std::uint64_t>(first) >> 48) == (member & 0x7fff));  // etcd's shape: the member's low bits on top
  // Leases granted at `now`; a restart with the clock set back an hour.
  std::vector<std::int64_t> held{first, lease_id(ids, ids.first_suffix + 7)};
  held.push_back(lease_id(lease_ids_for(member + 1, now_ms + 3'600'000, {}), 5));  // another member's: ignored
  auto after = lease_ids_for(member, now_ms - 3'600'000, held);
  CHECK(after.first_suffix == ids.first_suffix + 8);
  for (std::uint64_t i = 0; i < 100; ++i) {
    const auto id = lease_id(after, after.first_suffix + i);
    CHECK(id > 0);
    CHECK(id != held[0]);
    CHECK(id != held[1]);
  }
  // A clock ahead of every lease held starts from the clock, as etcd's does.
  CHECK(lease_ids_for(member, now_ms + 1000, held).first_suffix == ((now_ms + 1000) << 8 & ((1ULL << 48) - 1)));
}
