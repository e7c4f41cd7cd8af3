#include "core/watch/watch_index.hpp"

#include <algorithm>

namespace acord::watch {
namespace {
bool is_from_key(const std::string& end) { return end.size() == 1 && end[0] == '\0'; }

// The range end that makes [key, end) a prefix (etcd's GetPrefixRangeEnd):
// the key with its last byte below 0xff incremented and the rest dropped.
std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c < 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every byte 0xff: no upper bound
}
}  // namespace

WatchIndex::Shape WatchIndex::shape_of(const Watcher& w, std::string* prefix) {
  if (w.end.empty()) return Shape::key;
  if (is_from_key(w.end)) return Shape::from_key;
  if (!w.key.empty() && prefix_end(w.key) == w.end) {
    if (prefix) *prefix = w.key;
    return Shape::prefix;
  }
  return Shape::range;
}

bool WatchIndex::covers(const Watcher& w, const std::string& key) {
  if (w.end.empty()) return key == w.key;
  if (is_from_key(w.end)) return key >= w.key;
  return key >= w.key && key < w.end;
}

void WatchIndex::index(const Watcher& w) {
  std::string prefix;
  switch (shape_of(w, &prefix)) {
    case Shape::key: by_key_[w.key].insert(w.id); break;
    case Shape::prefix: by_prefix_[prefix].insert(w.id); break;
    case Shape::from_key: from_key_.emplace(w.key, w.id); break;
    case Shape::range: ranges_.insert(w.id); break;
  }
}

void WatchIndex::unindex(const Watcher& w) {
  std::string prefix;
  auto drop = [&](auto& map, const std::string& k) {
    auto it = map.find(k);
    if (it == map.end()) return;
    it->second.erase(w.id);
    if (it->second.empty()) map.erase(it);
  };
  switch (shape_of(w, &prefix)) {
    case Shape::key: drop(by_key_, w.key); break;
    case Shape::prefix: drop(by_prefix_, prefix); break;
    case Shape::from_key: {
      auto [b, e] = from_key_.equal_range(w.key);
      for (auto it = b; it != e; ++it) {
        if (it->second == w.id) {
          from_key_.erase(it);
          break;
        }
      }
      break;
    }
    case Shape::range: ranges_.erase(w.id); break;
  }
}

void WatchIndex::add(Watcher w, std::int64_t current_revision, std::int64_t start_revision) {
  w.next_revision = start_revision > 0 ? start_revision : current_revision + 1;
  if (w.next_revision <= current_revision) {
    unsynced_.insert(w.id);
  } else {
    index(w);
  }
  watchers_[w.id] = std::move(w);
}

bool WatchIndex::remove(WatcherId id) {
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return false;
  if (!unsynced_.erase(id)) unindex(it->second);
  watchers_.erase(it);
  return true;
}

bool WatchIndex::passes_filters(const Watcher& w, const mvcc::Event& e) const {
  if (e.kv.mod_revision < w.next_revision) return false;  // already seen
  if (e.type == mvcc::Event::Type::put && w.no_put) return false;
  if (e.type == mvcc::Event::Type::del && w.no_delete) return false;
  return true;
}

std::vector<WatcherId> WatchIndex::match(const mvcc::Event& e) const {
  std::vector<WatcherId> out;
  auto take = [&](WatcherId id) {
    const Watcher& w = watchers_.at(id);
    if (passes_filters(w, e)) out.push_back(id);
  };
  const std::string& key = e.kv.key;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    for (auto id : it->second) take(id);
  }
  for (std::size_t n = 0; n <= key.size() && !by_prefix_.empty(); ++n) {
    if (auto it = by_prefix_.find(key.substr(0, n)); it != by_prefix_.end()) {
      for (auto id : it->second) take(id);
    }
  }
  for (auto it = from_key_.begin(); it != from_key_.end() && it->first <= key; ++it) take(it->second);
  for (auto id : ranges_) {
    if (covers(watchers_.at(id), key)) take(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<WatcherId> WatchIndex::unsynced() const { return {unsynced_.begin(), unsynced_.end()}; }

void WatchIndex::synced(WatcherId id, std::int64_t next_revision) {
  auto it = watchers_.find(id);
  if (it == watchers_.end() || !unsynced_.erase(id)) return;
  it->second.next_revision = next_revision;
  index(it->second);
}

void WatchIndex::caught_up_to(WatcherId id, std::int64_t next_revision) {
  auto it = watchers_.find(id);
  if (it != watchers_.end() && unsynced_.count(id)) it->second.next_revision = next_revision;
}

void WatchIndex::desync(WatcherId id, std::int64_t next_revision) {
  auto it = watchers_.find(id);
  if (it == watchers_.end() || unsynced_.count(id)) return;
  unindex(it->second);
  unsynced_.insert(id);
  it->second.next_revision = next_revision;
}

const Watcher* WatchIndex::find(WatcherId id) const {
  auto it = watchers_.find(id);
  return it == watchers_.end() ? nullptr : &it->second;
}

}  // namespace acord::watch
