#pragma once
// Requests waiting for an answer, each with its deadline set once when it
// arrives: the one owner of a waiter from submit until it is answered, taken
// out to be answered, timed out, or answered "stopped". Keyed by what the
// answer will carry (a proposal id, a read context, ...). The clock is the
// owner's (ticks), so a test drives it directly.
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace acord::cluster {

template <class Key, class Waiter>
class WaitingRequests {
 public:
  // False (and the waiter dropped) if `key` waits already: its first
  // deadline stands.
  bool add(const Key& key, Waiter w, std::uint64_t deadline) {
    return waiting_.try_emplace(key, Entry{std::move(w), deadline}).second;
  }
  bool contains(const Key& key) const { return waiting_.count(key) != 0; }
  std::size_t size() const { return waiting_.size(); }
  bool empty() const { return waiting_.empty(); }
  // The waiter, no longer waiting (to be answered by the caller).
  std::optional<Waiter> take(const Key& key) {
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return std::nullopt;
    auto w = std::move(it->second.waiter);
    waiting_.erase(it);
    return w;
  }
  // Every waiter whose deadline is at or before `now` goes to `answer`.
  template <class Answer>
  void expire(std::uint64_t now, Answer&& answer) {
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      answer(it->first, it->second.waiter);
      it = waiting_.erase(it);
    }
  }
  // Every waiter goes to `answer` (the owner stops).
  template <class Answer>
  void drain(Answer&& answer) {
    for (auto& [key, e] : waiting_) answer(key, e.waiter);
    waiting_.clear();
  }
  // Waiters for which `pred` holds go to `answer`.
  template <class Pred, class Answer>
  void take_if(Pred&& pred, Answer&& answer) {
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (!pred(it->first, it->second.waiter)) {
        ++it;
        continue;
      }
      answer(it->first, it->second.waiter);
      it = waiting_.erase(it);
    }
  }

 private:
  struct Entry {
    Waiter waiter;
    std::uint64_t deadline = 0;
  };
  std::map<Key, Entry> waiting_;
};

}  // namespace acord::cluster
