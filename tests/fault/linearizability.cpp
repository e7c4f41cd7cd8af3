#include "linearizability.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <limits>
#include <set>
#include <unordered_set>

namespace acord::fault {

std::string describe(const Op& op) {
  static const char* kinds[] = {"get", "put", "del", "cas"};
  static const char* outcomes[] = {"ok", "failed", "unknown"};
  std::string s = "client " + std::to_string(op.client) + " " + kinds[static_cast<int>(op.kind)] + " " + op.key;
  if (op.kind == OpKind::put) s += " = " + op.value;
  if (op.kind == OpKind::cas) s += " " + (op.expected ? *op.expected : std::string("<absent>")) + " -> " + op.value;
  s += std::string(" [") + outcomes[static_cast<int>(op.outcome)] + "]";
  if (op.outcome == Outcome::ok) {
    if (op.kind == OpKind::get) s += " read " + (op.read ? *op.read : std::string("<absent>"));
    if (op.kind == OpKind::del || op.kind == OpKind::cas) s += op.flag ? " true" : " false";
    s += " rev " + std::to_string(op.revision);
  }
  if (op.member >= 0) s += " at member " + std::to_string(op.member);
  s += " invoked " + std::to_string(op.invoked_ns) + " completed " + std::to_string(op.completed_ns);
  return s;
}

namespace {

using Value = std::optional<std::string>;

// The register's rule: the states an operation may lead to from `v` (none if
// its answer is impossible from `v`). An unknown answer allows every branch.
std::vector<Value> step(const Value& v, const Op& op) {
  const bool known = op.outcome == Outcome::ok;
  switch (op.kind) {
    case OpKind::get:
      if (!known || op.read == v) return {v};
      return {};
    case OpKind::put:
      return {Value(op.value)};
    case OpKind::del:
      if (!known || op.flag == v.has_value()) return {Value()};
      return {};
    case OpKind::cas: {
      // Expecting "absent" is a create: it matches only a missing key.
      const bool matches = op.expected ? (v.has_value() && *v == *op.expected) : !v.has_value();
      if (!known) return matches ? std::vector<Value>{Value(op.value), v} : std::vector<Value>{v};
      if (op.flag != matches) return {};
      return {matches ? Value(op.value) : v};
    }
  }
  return {};
}

struct Entry {
  std::int64_t time;
  bool is_call;
  std::size_t op;
};

KeyVerdict check_key(std::vector<Op> ops, std::size_t max_steps) {
  KeyVerdict verdict;
  const std::size_t n = ops.size();
  constexpr auto never = std::numeric_limits<std::int64_t>::max();
  // Events in time order; a call sorts before a return at the same instant
  // (the two operations overlap).
  std::vector<Entry> events;
  for (std::size_t i = 0; i < n; ++i) {
    events.push_back({ops[i].invoked_ns, true, i});
    events.push_back({ops[i].outcome == Outcome::unknown ? never : ops[i].completed_ns, false, i});
  }
  std::sort(events.begin(), events.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.is_call && !b.is_call;
  });
  // A doubly linked list over the events; placing an operation removes its
  // call and return, backtracking puts them back.
  const std::size_t m = events.size();
  std::vector<std::size_t> next(m + 1), prev(m + 1), return_of(n);
  const std::size_t head = m;  // sentinel
  for (std::size_t i = 0; i < m; ++i) {
    next[i] = i + 1 == m ? head : i + 1;
    prev[i] = i == 0 ? head : i - 1;
    if (!events[i].is_call) return_of[events[i].op] = i;
  }
  next[head] = m == 0 ? head : 0;
  prev[head] = m == 0 ? head : m - 1;
  auto unlink = [&](std::size_t i) {
    next[prev[i]] = next[i];
    prev[next[i]] = prev[i];
  };
  auto relink = [&](std::size_t i) {
    next[prev[i]] = i;
    prev[next[i]] = i;
  };
  std::vector<bool> placed(n, false);
  // Memo of explored (placed set, value) pairs, by a 128-bit Zobrist hash of
  // the placed set (each operation toggles its own random bits) and the
  // value's hash: constant work per step, 16 bytes per state.
  std::mt19937_64 rng(12345);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> zobrist(n);
  for (auto& z : zobrist) z = {rng(), rng()};
  std::pair<std::uint64_t, std::uint64_t> placed_hash{0, 0};
  struct PairHash {
    std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& p) const {
      return static_cast<std::size_t>(p.first ^ (p.second * 0x9e3779b97f4a7c15ULL));
    }
  };
  std::unordered_set<std::pair<std::uint64_t, std::uint64_t>, PairHash> seen;
  auto memo_key = [&](const Value& v) {
    const std::uint64_t h = v ? std::hash<std::string>{}(*v) : 0x5bd1e995ULL;
    return std::make_pair(placed_hash.first ^ h, placed_hash.second ^ (h * 0xff51afd7ed558ccdULL));
  };
  auto toggle = [&](std::size_t op) {
    placed[op] = !placed[op];
    placed_hash.first ^= zobrist[op].first;
    placed_hash.second ^= zobrist[op].second;
  };
  std::size_t steps = 0;
  // Known operations left to place: the search succeeds once none is left
  // (unknown ones may stay unplaced: they never happened).
  std::size_t known_left = 0;
  for (const auto& op : ops) known_left += op.outcome == Outcome::ok ? 1 : 0;

  std::size_t depth = 0, deepest = 0;
  std::function<bool(const Value&)> search = [&](const Value& v) -> bool {
    if (known_left == 0) return true;
    if (depth >= deepest) {
      // The first return in the list belongs to the operation that must be
      // placed before anything after it: if the search fails, it is the culprit.
      deepest = depth;
      for (std::size_t i = next[head]; i != head; i = next[i]) {
        if (!events[i].is_call) {
          verdict.stuck_op = events[i].op;
          break;
        }
      }
      verdict.placed_before = depth;
    }
    if (max_steps != 0 && ++steps > max_steps) {
      verdict.gave_up = true;
      return false;
    }
    if (!seen.insert(memo_key(v)).second) return false;
    // Candidates: every call before the first return in the list.
    for (std::size_t i = next[head]; i != head && events[i].is_call; i = next[i]) {
      const std::size_t op = events[i].op;
      for (const auto& after : step(v, ops[op])) {
        toggle(op);
        const bool known = ops[op].outcome == Outcome::ok;
        known_left -= known ? 1 : 0;
        unlink(i);
        unlink(return_of[op]);
        ++depth;
        const bool ok = search(after);
        --depth;
        relink(return_of[op]);
        relink(i);
        known_left += known ? 1 : 0;
        toggle(op);
        if (ok) return true;
        if (verdict.gave_up) return false;
      }
    }
    return false;
  };
  verdict.linearizable = search(Value());
  if (verdict.gave_up) verdict.linearizable = false;
  verdict.ops = std::move(ops);
  return verdict;
}

}  // namespace

Verdict check_linearizable(const std::vector<Op>& history, std::size_t max_steps_per_key) {
  Verdict v;
  std::map<std::string, std::vector<Op>> by_key;
  for (const auto& op : history) {
    if (op.outcome == Outcome::failed) continue;
    by_key[op.key].push_back(op);
    ++v.ops;
  }
  for (auto& [key, ops] : by_key) {
    auto kv = check_key(std::move(ops), max_steps_per_key);
    if (!kv.linearizable) {
      v.linearizable = false;
      v.gave_up = v.gave_up || kv.gave_up;
      v.failing[key] = std::move(kv);
    }
  }
  return v;
}

}  // namespace acord::fault
