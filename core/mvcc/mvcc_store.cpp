#include "core/mvcc/mvcc_store.hpp"

#include <algorithm>
#include <cassert>

#include "core/limits.hpp"

namespace acord::mvcc {

const MvccStore::Version* MvccStore::visible_at(const History& h, std::int64_t revision) {
  // Histories are short and ordered oldest first: scan from the newest end.
  for (auto it = h.rbegin(); it != h.rend(); ++it) {
    if (it->main <= revision) return &*it;
  }
  return nullptr;
}

KeyValue MvccStore::to_kv(std::string_view key, const Version& v) const {
  return KeyValue{std::string(key), value_of(key, v), v.create_revision, v.main, v.version, v.lease};
}

std::string MvccStore::value_of(std::string_view key, const Version& v) const {
  if (v.value) return *v.value;
  if (v.tombstone) return std::string();
  auto value = source_->value_at(v.revision());
  if (!value) throw MissingValue(std::string(key), v.revision());
  return std::move(*value);
}

void MvccStore::keep_until_durable(std::string_view key, const Version& v) {
  if (source_ == nullptr || v.tombstone) return;
  ++values_in_memory_;
  in_memory_.push_back(InMemory{v.revision(), std::string(key)});
}

void MvccStore::values_durable_through(std::int64_t revision) {
  durable_through_ = std::max(durable_through_, revision);
  const std::int64_t release_through = std::min(durable_through_, current_revision_ - recent_revisions_);
  // In revision order: each value written at or below the mark leaves memory,
  // unless compaction took its version first.
  while (!in_memory_.empty() && in_memory_.front().revision.main <= release_through) {
    const auto& front = in_memory_.front();
    if (auto it = index_.find(front.key); it != index_.end()) {
      for (auto& v : it->second) {
        if (!(v.revision() == front.revision)) continue;
        if (v.value) {
          v.value.reset();
          --values_in_memory_;
        }
        break;
      }
    }
    in_memory_.pop_front();
  }
}

std::int64_t MvccStore::cost(std::string_view key, std::size_t value_size) {
  return static_cast<std::int64_t>(key.size() + value_size) + limits::mvcc_record_overhead_bytes;
}

template <class F>
void MvccStore::for_each_in_range(std::string_view key, std::string_view end, F&& f) const {
  if (end.empty()) {
    auto it = index_.find(key);
    if (it != index_.end()) f(it->first, it->second);
    return;
  }
  const bool to_the_end = end.size() == 1 && end[0] == '\0';
  for (auto it = index_.lower_bound(key); it != index_.end(); ++it) {
    if (!to_the_end && it->first.view() >= end) break;
    if (!f(it->first, it->second)) break;
  }
}

Error MvccStore::range(std::string_view key, std::string_view end, const RangeOptions& opts,
                       RangeResult& out) const {
  out = RangeResult{};
  // Inside a write that changed something, reads see that write's revision.
  const std::int64_t now = (writing_ && write_sub_ > 0) ? current_revision_ + 1 : current_revision_;
  out.revision = now;
  std::int64_t rev = opts.revision;
  if (rev > now) return Error::future_revision;
  if (rev <= 0) rev = now;
  if (rev < compacted_revision_) return Error::compacted;

  for_each_in_range(key, end, [&](std::string_view k, const History& h) {
    const Version* v = visible_at(h, rev);
    if (v == nullptr || v->tombstone) return true;
    ++out.count;
    if (!opts.count_only && (opts.limit <= 0 || static_cast<std::int64_t>(out.kvs.size()) < opts.limit)) {
      out.kvs.push_back(to_kv(k, *v));
    }
    return true;
  });
  return Error::none;
}

void MvccStore::begin_write() {
  assert(!writing_);
  writing_ = true;
  write_sub_ = 0;
  write_events_.clear();
}

MvccStore::Index::iterator MvccStore::find_or_add(std::string_view key) {
  auto it = index_.lower_bound(key);
  if (it == index_.end() || it->first.view() != key) it = index_.emplace_hint(it, PackedKey(key), History{});
  return it;
}

void MvccStore::append(std::string_view key, Version v) { append(find_or_add(key), std::move(v)); }

void MvccStore::append(Index::iterator at, Version v) {
  Record rec;
  rec.revision = v.revision();
  rec.tombstone = v.tombstone;
  rec.kv = to_kv(at->first, v);
  mirror_ops_.push_back(MirrorOp{false, std::move(rec)});
  v.value_size = v.value ? static_cast<std::uint32_t>(v.value->size()) : 0;
  size_bytes_ += cost(at->first, v.value_size);
  keep_until_durable(at->first, v);
  at->second.push_back(std::move(v));
}

KeyValue MvccStore::put(std::string_view key, std::string_view value, std::int64_t lease) {
  assert(writing_);
  const std::int64_t main = current_revision_ + 1;
  Version v;
  v.set_revision(Revision{main, write_sub_++});
  v.value = std::make_unique<std::string>(value);
  v.lease = lease;
  v.create_revision = main;
  v.version = 1;
  Event event{Event::Type::put, {}, std::nullopt, std::nullopt};
  auto it = find_or_add(key);
  if (!it->second.empty() && !it->second.back().tombstone) {
    const Version& last = it->second.back();
    if (last.value_in_source()) {
      event.prev_kv = KeyValue{it->first.str(), "", last.create_revision, last.main, last.version, last.lease};
      event.prev_value_at = last.revision();
    } else {
      event.prev_kv = to_kv(it->first, last);
    }
    v.create_revision = last.create_revision;
    v.version = last.version + 1;
  }
  KeyValue kv = to_kv(it->first, v);
  append(it, std::move(v));
  event.kv = kv;
  write_events_.push_back(std::move(event));
  return kv;
}

std::vector<KeyValue> MvccStore::delete_range(std::string_view key, std::string_view end) {
  assert(writing_);
  std::vector<std::string> keys;
  std::vector<KeyValue> deleted;
  for_each_in_range(key, end, [&](std::string_view k, const History& h) {
    if (!h.empty() && !h.back().tombstone) {
      keys.emplace_back(k);
      deleted.push_back(to_kv(k, h.back()));
    }
    return true;
  });
  const std::int64_t main = current_revision_ + 1;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Version t;
    t.set_revision(Revision{main, write_sub_++});
    t.tombstone = true;
    KeyValue tomb_kv{keys[i], "", 0, main, 0, 0};
    append(keys[i], std::move(t));
    write_events_.push_back(Event{Event::Type::del, std::move(tomb_kv), deleted[i], std::nullopt});
  }
  return deleted;
}

std::vector<Event> MvccStore::end_write() {
  assert(writing_);
  writing_ = false;
  if (write_sub_ > 0) ++current_revision_;
  write_sub_ = 0;
  return std::move(write_events_);
}

Error MvccStore::compact(std::int64_t revision) {
  if (revision <= compacted_revision_) return Error::compacted;
  if (revision > current_revision_) return Error::future_revision;
  compacted_revision_ = revision;
  for (auto it = index_.begin(); it != index_.end();) {
    History& h = it->second;
    // Keep the newest version at or below `revision` (the one a read at
    // `revision` sees) unless it is a tombstone; drop everything older.
    std::size_t keep_from = 0;
    for (std::size_t i = h.size(); i-- > 0;) {
      if (h[i].main <= revision) {
        keep_from = h[i].tombstone ? i + 1 : i;
        break;
      }
    }
    for (std::size_t i = 0; i < keep_from; ++i) {
      size_bytes_ -= cost(it->first, h[i].value_size);
      if (source_ != nullptr && h[i].value) --values_in_memory_;
      MirrorOp op;
      op.remove = true;
      op.record.revision = h[i].revision();
      mirror_ops_.push_back(std::move(op));
    }
    h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(keep_from));
    it = h.empty() ? index_.erase(it) : std::next(it);
  }
  return Error::none;
}

std::vector<MirrorOp> MvccStore::take_mirror_ops() { return std::move(mirror_ops_); }

void MvccStore::restore(std::vector<Record> records, std::int64_t compacted_revision, std::int64_t current_revision,
                        bool records_durable) {
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.revision < b.revision; });
  index_.clear();
  in_memory_.clear();
  values_in_memory_ = 0;
  durable_through_ = 0;
  size_bytes_ = 0;
  current_revision_ = std::max<std::int64_t>(1, current_revision);
  compacted_revision_ = compacted_revision;
  for (auto& r : records) {
    Version v;
    v.set_revision(r.revision);
    v.tombstone = r.tombstone;
    v.create_revision = r.kv.create_revision;
    v.version = r.kv.version;
    v.lease = r.kv.lease;
    v.value_size = static_cast<std::uint32_t>(r.kv.value.size());
    size_bytes_ += cost(r.kv.key, v.value_size);
    current_revision_ = std::max(current_revision_, r.revision.main);
    auto it = find_or_add(r.kv.key);
    std::string().swap(r.kv.key);
    if (v.tombstone) {
      // No value to keep.
    } else if (records_durable && source_ != nullptr && v.main <= current_revision_ - recent_revisions_) {
      // Left in the data directory (only recent values stay): no value here,
      // and the record's copy freed now rather than with all the others.
      std::string().swap(r.kv.value);
    } else {
      v.value = std::make_unique<std::string>(std::move(r.kv.value));
      keep_until_durable(it->first, v);
    }
    it->second.push_back(std::move(v));
  }
  if (records_durable) durable_through_ = current_revision_;
  mirror_ops_.clear();
}

std::vector<Record> MvccStore::all_records() const {
  std::vector<Record> out;
  for (const auto& [key, h] : index_) {
    for (const auto& v : h) out.push_back(Record{v.revision(), static_cast<bool>(v.tombstone), to_kv(key, v)});
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.revision < b.revision; });
  return out;
}

Error MvccStore::history(std::string_view key, std::string_view end, std::int64_t from, std::size_t max_events,
                         std::vector<Event>& out, std::int64_t& through) const {
  out.clear();
  through = current_revision_;
  if (from < compacted_revision_) return Error::compacted;
  struct Found {
    Revision revision;
    Event event;
  };
  std::vector<Found> found;
  for_each_in_range(key, end, [&](std::string_view k, const History& h) {
    for (std::size_t i = h.size(); i-- > 0;) {
      const Version& v = h[i];
      if (v.main < from) break;
      Event e;
      e.type = v.tombstone ? Event::Type::del : Event::Type::put;
      e.kv = v.tombstone ? KeyValue{std::string(k), "", 0, v.main, 0, 0} : to_kv(k, v);
      if (i > 0 && !h[i - 1].tombstone) e.prev_kv = to_kv(k, h[i - 1]);
      found.push_back(Found{v.revision(), std::move(e)});
    }
    return true;
  });
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.revision < b.revision; });
  std::size_t n = found.size();
  if (n > max_events && max_events > 0) {
    // Cut after the revision the limit falls in: a revision is never split.
    n = max_events;
    while (n < found.size() && found[n].revision.main == found[n - 1].revision.main) ++n;
    if (n < found.size()) through = found[n - 1].revision.main;
  }
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::move(found[i].event));
  return Error::none;
}

std::vector<std::pair<std::string, std::int64_t>> MvccStore::leased_keys() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [key, h] : index_) {
    if (!h.empty() && !h.back().tombstone && h.back().lease != 0) out.emplace_back(key.str(), h.back().lease);
  }
  return out;
}

}  // namespace acord::mvcc
