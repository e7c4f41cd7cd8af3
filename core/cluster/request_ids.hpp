#pragma once
// The ids a member chooses itself: a proposal's (how a committed entry finds
// the request waiting on it) and a lease's when the client names none. Neither
// may repeat an id from before a restart, whatever the clock says: an entry
// proposed then may still commit after it (a client would get another
// request's result), and a lease granted then still exists (a grant would
// fail, "lease already exists"). So neither comes from the wall clock alone.
#include <atomic>
#include <cstdint>
#include <vector>

namespace acord::cluster {

// Proposal ids: the member's start epoch (a counter in its data directory,
// raised durably at every start before anything is proposed) in the high
// bits, a counter in the low ones. Safe from any thread.
class ProposalIds {
 public:
  static constexpr int counter_bits = 40;  // ids one start may hand out: 2^40 - 1
  static constexpr std::uint64_t max_epoch = (std::uint64_t{1} << (64 - counter_bits)) - 1;
  // `bits` other than counter_bits only in tests (a range they can spend).
  explicit ProposalIds(std::uint64_t epoch, int bits = counter_bits)
      : next_((epoch << bits) | 1), end_((epoch + 1) << bits) {}
  // The next id, or 0 once this start's range is spent (the member must
  // restart to take a new epoch; at 100,000 proposals a second that is 127 days).
  std::uint64_t next() {
    const auto id = next_.fetch_add(1);
    return id < end_ || end_ == 0 ? id : 0;
  }

 private:
  std::atomic<std::uint64_t> next_;
  std::uint64_t end_;  // 0: the last epoch, whose range ends at 2^64
};

// Where a member's lease ids continue: etcd's shape (the member id's low 16
// bits above a 48-bit suffix, the sign bit cleared) with the suffix started from the
// clock as etcd's idutil starts it, but past every lease of this member that
// exists, so a clock set back cannot hand out an id that is in use.
struct LeaseIds {
  std::uint64_t prefix = 0;        // (member id & 0xffff) << 48, less the sign bit
  std::uint64_t first_suffix = 0; // the suffix of the first id handed out
};
LeaseIds lease_ids_for(std::uint64_t member_id, std::uint64_t clock_ms, const std::vector<std::int64_t>& existing);
// The lease id with that suffix (wrapped within 48 bits).
std::int64_t lease_id(const LeaseIds& ids, std::uint64_t suffix);

}  // namespace acord::cluster
