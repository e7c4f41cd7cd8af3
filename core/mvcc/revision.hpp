#pragma once
#include <cstdint>
#include <tuple>
#include <utility>

namespace acord::mvcc {

// A revision as etcd numbers them: every write request gets the next main
// revision; each change inside it (a txn may change many keys) gets the next
// sub revision under that main revision.
struct Revision {
  std::int64_t main = 0;
  std::int64_t sub = 0;
  friend bool operator<(const Revision& a, const Revision& b) {
    return std::tie(a.main, a.sub) < std::tie(b.main, b.sub);
  }
  friend bool operator==(const Revision& a, const Revision& b) {
    return a.main == b.main && a.sub == b.sub;
  }
  template <class H>
  friend H AbslHashValue(H h, const Revision& r) {  // for abseil's hash maps
    return H::combine(std::move(h), r.main, r.sub);
  }
};

}  // namespace acord::mvcc
