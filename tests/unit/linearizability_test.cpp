// The fault test's linearizability checker must accept what a correct store
// can answer and reject what it cannot: each case is a small history with a
// known verdict.
#include <catch2/catch.hpp>

#include "../fault/linearizability.hpp"

using namespace acord::fault;

namespace {
// An operation of client `c` on key "k", invoked and completed at these times.
Op op_of(int c, OpKind kind, std::int64_t from, std::int64_t to, Outcome o = Outcome::ok) {
  Op op;
  op.client = c;
  op.kind = kind;
  op.key = "k";
  op.invoked_ns = from;
  op.completed_ns = to;
  op.outcome = o;
  return op;
}
Op put(int c, const std::string& v, std::int64_t from, std::int64_t to, Outcome o = Outcome::ok) {
  Op op = op_of(c, OpKind::put, from, to, o);
  op.value = v;
  return op;
}
Op get(int c, std::optional<std::string> read, std::int64_t from, std::int64_t to) {
  Op op = op_of(c, OpKind::get, from, to);
  op.read = std::move(read);
  return op;
}
Op cas(int c, std::optional<std::string> expect, const std::string& v, bool ok, std::int64_t from, std::int64_t to,
       Outcome o = Outcome::ok) {
  Op op = op_of(c, OpKind::cas, from, to, o);
  op.expected = std::move(expect);
  op.value = v;
  op.flag = ok;
  return op;
}
Op del(int c, bool deleted, std::int64_t from, std::int64_t to) {
  Op op = op_of(c, OpKind::del, from, to);
  op.flag = deleted;
  return op;
}
}  // namespace

TEST_CASE("sequential histories: reads see the last write", "[linearizability]") {
  CHECK(check_linearizable({put(1, "a", 0, 1), get(1, "a", 2, 3), del(1, true, 4, 5), get(1, std::nullopt, 6, 7)})
            .linearizable);
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1), get(1, "b", 2, 3)}).linearizable);
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1), put(1, "b", 2, 3), get(2, "a", 4, 5)}).linearizable);  // stale
  CHECK_FALSE(check_linearizable({get(1, std::nullopt, 0, 1), del(1, true, 2, 3)}).linearizable);
}

TEST_CASE("overlapping operations may take effect in either order", "[linearizability]") {
  // The read overlaps both writes: it may see either.
  CHECK(check_linearizable({put(1, "a", 0, 10), put(2, "b", 1, 9), get(3, "a", 2, 8)}).linearizable);
  CHECK(check_linearizable({put(1, "a", 0, 10), put(2, "b", 1, 9), get(3, "b", 2, 8)}).linearizable);
  // Two reads in sequence must not go back in time.
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1), put(2, "b", 2, 20), get(3, "b", 3, 4), get(3, "a", 5, 6)})
                  .linearizable);
}

TEST_CASE("compare-and-set: at most one of two racing swaps from the same value wins", "[linearizability]") {
  CHECK(check_linearizable({put(1, "0", 0, 1), cas(1, "0", "x", true, 2, 10), cas(2, "0", "y", false, 3, 9),
                            get(3, "x", 11, 12)})
            .linearizable);
  CHECK_FALSE(check_linearizable({put(1, "0", 0, 1), cas(1, "0", "x", true, 2, 10), cas(2, "0", "y", true, 3, 9)})
                  .linearizable);
  // Expecting "absent" creates the key only if it is missing.
  CHECK(check_linearizable({cas(1, std::nullopt, "x", true, 0, 1), cas(2, std::nullopt, "y", false, 2, 3),
                            get(1, "x", 4, 5)})
            .linearizable);
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1), cas(2, std::nullopt, "y", true, 2, 3)}).linearizable);
}

TEST_CASE("an unknown outcome may have happened, or not, at any time after its call", "[linearizability]") {
  // The write timed out, and a later read saw it: it happened.
  CHECK(check_linearizable({put(1, "a", 0, 1, Outcome::unknown), get(2, "a", 5, 6)}).linearizable);
  // ... or a later read did not see it: it did not happen (yet).
  CHECK(check_linearizable({put(1, "a", 0, 1, Outcome::unknown), get(2, std::nullopt, 5, 6)}).linearizable);
  // But it cannot be seen, then unseen.
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1, Outcome::unknown), get(2, "a", 5, 6), get(2, std::nullopt, 7, 8)})
                  .linearizable);
  // A read before its call cannot see it.
  CHECK_FALSE(check_linearizable({get(2, "a", 0, 1), put(1, "a", 2, 3, Outcome::unknown)}).linearizable);
  // An unknown swap may have won or lost.
  CHECK(check_linearizable({put(1, "0", 0, 1), cas(1, "0", "x", false, 2, 3, Outcome::unknown), get(2, "x", 4, 5)})
            .linearizable);
  // A failed operation never happened.
  CHECK_FALSE(check_linearizable({put(1, "a", 0, 1, Outcome::failed), get(2, "a", 5, 6)}).linearizable);
}

TEST_CASE("keys are checked apart, and the failing key is named", "[linearizability]") {
  auto a = put(1, "a", 0, 1);
  auto b = get(2, "z", 2, 3);
  b.key = "other";
  auto v = check_linearizable({a, b});
  CHECK_FALSE(v.linearizable);
  CHECK(v.failing.count("other") == 1);
  CHECK(v.failing.count("k") == 0);
}

TEST_CASE("a long concurrent history is decided quickly", "[linearizability]") {
  // Four clients, 2,000 operations on one key, each overlapping the others, as
  // a correct store would answer them (each op takes effect at its midpoint).
  std::vector<Op> h;
  std::optional<std::string> value;
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t t = i * 10;
    const int client = i % 4;
    if (i % 3 == 0) {
      h.push_back(put(client, std::to_string(i), t - 15, t + 15));
      value = std::to_string(i);
    } else {
      h.push_back(get(client, value, t - 15, t + 15));
    }
  }
  auto v = check_linearizable(h);
  CHECK(v.linearizable);
  CHECK_FALSE(v.gave_up);
}
