#include "actors/watch_actor.hpp"

#include "core/kv/kv_applier.hpp"
#include "core/limits.hpp"
#include "etcdserverpb/rpc.pb.h"

namespace acord::actors {
namespace {

using Self = caf::stateful_actor<WatchActorState>;
using namespace etcdserverpb;

// etcd's invalid watch id: a refused create, and progress for a whole stream.
constexpr std::int64_t invalid_watch_id = -1;

std::unique_ptr<WatchResponse> response(const WatchActorState& st, std::int64_t watch_id, std::int64_t revision) {
  auto r = std::make_unique<WatchResponse>();
  auto* h = r->mutable_header();
  h->set_cluster_id(st.args.cluster_id);
  h->set_member_id(st.args.member_id);
  h->set_revision(revision);
  h->set_raft_term(st.term);
  r->set_watch_id(watch_id);
  return r;
}

void add_event(WatchResponse& r, const mvcc::Event& e, const mvcc::KeyValue* prev_kv) {
  auto* pe = r.add_events();
  pe->set_type(e.type == mvcc::Event::Type::put ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
  kv::to_proto(e.kv, *pe->mutable_kv());
  if (prev_kv != nullptr) kv::to_proto(*prev_kv, *pe->mutable_prev_kv());
}

// An event's prev_kv for the watches that asked for it, its value read back
// once per event if the store had let it leave memory; none if the record is
// gone (compacted since), as etcd's watch server leaves it out then.
class PrevKvs {
 public:
  explicit PrevKvs(const mvcc::ValueSource* values) : values_(values) {}
  const mvcc::KeyValue* of(const mvcc::Event& e) {
    if (!e.prev_kv) return nullptr;
    if (!e.prev_value_at) return &*e.prev_kv;
    auto [it, fresh] = read_.try_emplace(&e);
    if (fresh && values_ != nullptr) {
      if (auto value = values_->value_at(*e.prev_value_at)) {
        it->second = *e.prev_kv;
        it->second->value = std::move(*value);
      }
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  const mvcc::ValueSource* values_;
  std::map<const mvcc::Event*, std::optional<mvcc::KeyValue>> read_;
};

// A watch that asked for fragments gets a response larger than the request
// limit in pieces, each marked as a fragment but the last (etcd: sendFragments).
void send(const WatchActorState& st, const StreamSinkPtr& sink, std::unique_ptr<WatchResponse> r, bool fragment) {
  if (!fragment || r->events_size() < 2 || r->ByteSizeLong() < st.args.max_request_bytes) {
    sink->write(std::move(r));
    return;
  }
  WatchResponse all;
  all.Swap(r.get());
  int at = 0;
  while (at < all.events_size()) {
    auto piece = std::make_unique<WatchResponse>();
    *piece->mutable_header() = all.header();
    piece->set_watch_id(all.watch_id());
    piece->set_fragment(true);
    while (at < all.events_size()) {
      *piece->add_events() = all.events(at);
      if (piece->events_size() > 1 && piece->ByteSizeLong() >= st.args.max_request_bytes) {
        piece->mutable_events()->RemoveLast();
        break;
      }
      ++at;
    }
    if (at == all.events_size()) piece->set_fragment(false);
    sink->write(std::move(piece));
  }
}

void remove_watch(WatchActorState& st, watch::WatcherId wid) {
  auto it = st.watches.find(wid);
  if (it == st.watches.end()) return;
  if (auto s = st.streams.find(it->second.stream); s != st.streams.end()) s->second.by_id.erase(it->second.id);
  st.index.remove(wid);
  st.replaying.erase(wid);
  st.watches.erase(it);
}

void schedule_sync(Self* self, int delay_ms) {
  auto& st = self->state;
  if (st.sync_scheduled || !st.index.has_unsynced()) return;
  st.sync_scheduled = true;
  if (delay_ms <= 0) {
    self->send(self, sync_atom::value);
  } else {
    self->delayed_send(self, std::chrono::milliseconds(delay_ms), sync_atom::value);
  }
}

// The answer to one unsynced watch's history request.
void on_history(Self* self, watch::WatcherId wid, std::int64_t from, const History& h) {
  auto& st = self->state;
  st.replaying.erase(wid);
  auto it = st.watches.find(wid);
  const auto* w = st.index.find(wid);
  if (it == st.watches.end() || w == nullptr || st.index.is_synced(wid) || w->next_revision != from) return;
  const auto& sink = st.streams.at(it->second.stream).sink;
  if (h.compacted) {
    // Its start is gone: etcd cancels it, naming the compaction point (and
    // leaves the header's revision 0).
    auto r = response(st, it->second.id, 0);
    r->set_compact_revision(h.compact_revision);
    r->set_canceled(true);
    sink->write(std::move(r));
    remove_watch(st, wid);
    return;
  }
  auto r = response(st, it->second.id, st.revision);
  PrevKvs prev_kvs(st.args.values);
  for (const auto& e : h.events) {
    if ((e.type == mvcc::Event::Type::put && w->no_put) || (e.type == mvcc::Event::Type::del && w->no_delete)) {
      continue;
    }
    add_event(*r, e, it->second.prev_kv ? prev_kvs.of(e) : nullptr);
  }
  if (r->events_size() > 0) {
    it->second.quiet = false;
    send(st, sink, std::move(r), it->second.fragment);
  }
  if (h.through >= st.revision) {
    st.index.synced(wid, h.through + 1);
  } else {
    st.index.caught_up_to(wid, h.through + 1);
  }
}

// Asks history for every unsynced watch whose client has room.
void sync(Self* self) {
  auto& st = self->state;
  st.sync_scheduled = false;
  for (auto wid : st.index.unsynced()) {
    if (st.replaying.count(wid)) continue;
    const auto& meta = st.watches.at(wid);
    if (st.streams.at(meta.stream).sink->backlog() >= limits::stream_backlog_max) continue;
    const auto* w = st.index.find(wid);
    HistoryRequest q{w->key, w->end, w->next_revision, limits::watch_replay_events_max};
    st.replaying.insert(wid);
    const auto from = w->next_revision;
    self->request(st.args.apply, caf::infinite, history_atom::value, q).then([=](const HistoryPtr& h) {
      on_history(self, wid, from, *h);
      schedule_sync(self, 0);
    });
  }
  if (st.replaying.empty()) schedule_sync(self, limits::watch_sync_interval_ms);
}

// Live events: each synced watch they concern gets one response per revision.
void on_events(Self* self, const EventBatch& batch) {
  auto& st = self->state;
  st.term = std::max(st.term, batch.term);
  const auto& events = batch.events;
  PrevKvs prev_kvs(st.args.values);
  std::size_t begin = 0;
  while (begin < events.size()) {
    const auto rev = events[begin].kv.mod_revision;
    std::size_t end = begin;
    while (end < events.size() && events[end].kv.mod_revision == rev) ++end;
    auto deliver = [&](watch::WatcherId wid, const mvcc::Event* const* evs, std::size_t n) {
      auto& meta = st.watches.at(wid);
      const auto& sink = st.streams.at(meta.stream).sink;
      if (sink->backlog() >= limits::stream_backlog_max) {
        // The client is not reading: stop queueing, catch up later from history.
        st.index.desync(wid, rev);
        return;
      }
      auto r = response(st, meta.id, rev);
      for (std::size_t i = 0; i < n; ++i) add_event(*r, *evs[i], meta.prev_kv ? prev_kvs.of(*evs[i]) : nullptr);
      meta.quiet = false;
      send(st, sink, std::move(r), meta.fragment);
    };
    if (end == begin + 1) {
      // One event (a put, a single-key delete): each watch it concerns gets
      // it alone, with nothing to gather first.
      const mvcc::Event* e = &events[begin];
      for (auto wid : st.index.match(*e)) deliver(wid, &e, 1);
    } else {
      std::map<watch::WatcherId, std::vector<const mvcc::Event*>> hits;
      for (auto i = begin; i < end; ++i) {
        for (auto wid : st.index.match(events[i])) hits[wid].push_back(&events[i]);
      }
      for (const auto& [wid, evs] : hits) deliver(wid, evs.data(), evs.size());
    }
    begin = end;
  }
  // (Synced watches need no per-batch bookkeeping: their next revision only
  // holds back a watch that asked to start in the future.)
  st.revision = std::max(st.revision, batch.revision);
  schedule_sync(self, limits::watch_sync_interval_ms);
}

void create(Self* self, const WatchCommand& c) {
  auto& st = self->state;
  auto& stream = st.streams[c.stream];
  stream.sink = c.sink;
  const auto& q = static_cast<const WatchCreateRequest&>(*c.create);
  auto refuse = [&](const char* reason) {
    auto r = response(st, invalid_watch_id, st.revision);
    r->set_created(true);
    r->set_canceled(true);
    r->set_cancel_reason(reason);
    c.sink->write(std::move(r));
  };
  watch::Watcher w;
  // etcd: an empty key is the smallest key, "\0"; an end of "\0" means every
  // key from `key` on.
  w.key = q.key().empty() ? std::string(1, '\0') : q.key();
  w.end = q.range_end();
  const bool from_key = w.end.size() == 1 && w.end[0] == '\0';
  if (!w.end.empty() && !from_key && w.key >= w.end) return refuse("mvcc: watcher range is empty");
  std::int64_t id = q.watch_id();
  if (id != 0) {
    if (stream.by_id.count(id)) return refuse("mvcc: duplicate watch ID provided on the WatchStream");
  } else {
    while (stream.by_id.count(stream.next_id)) ++stream.next_id;
    id = stream.next_id++;
  }
  if (stream.by_id.size() >= limits::watches_per_stream_max) return refuse("acord: too many watches on one stream");
  for (auto f : q.filters()) {
    if (f == WatchCreateRequest::NOPUT) w.no_put = true;
    if (f == WatchCreateRequest::NODELETE) w.no_delete = true;
  }
  w.id = st.next_watcher++;
  WatchActorState::Watch meta;
  meta.stream = c.stream;
  meta.id = id;
  meta.prev_kv = q.prev_kv();
  meta.fragment = q.fragment();
  meta.progress_notify = q.progress_notify();
  stream.by_id[id] = w.id;
  st.watches[w.id] = meta;
  const auto wid = w.id;
  st.index.add(std::move(w), st.revision, q.start_revision());
  auto r = response(st, id, st.revision);
  r->set_created(true);
  c.sink->write(std::move(r));
  if (!st.index.is_synced(wid)) schedule_sync(self, 0);
}

// etcd's progress notification: a synced watch that asked for them and saw
// no events since the last one learns the current revision.
void notify_progress(Self* self) {
  auto& st = self->state;
  for (auto& [wid, meta] : st.watches) {
    if (!meta.progress_notify) continue;
    if (meta.quiet && st.index.is_synced(wid)) {
      st.streams.at(meta.stream).sink->write(response(st, meta.id, st.revision));
    }
    meta.quiet = true;
  }
}

}  // namespace

caf::behavior watch_actor(Self* self, WatchActorArgs args) {
  if (args.progress_notify_ms <= 0) args.progress_notify_ms = limits::watch_progress_notify_ms_default;
  self->state.args = args;
  self->delayed_send(self, std::chrono::milliseconds(args.progress_notify_ms), progress_atom::value);
  return {
      [=](resync_atom, std::int64_t revision) {
        // The starting revision, or the store replaced by a snapshot: every
        // watch catches up from history (and is canceled if that is gone).
        auto& st = self->state;
        for (const auto& [wid, meta] : st.watches) {
          if (st.index.is_synced(wid)) {
            st.index.desync(wid, std::max(st.index.find(wid)->next_revision, st.revision + 1));
          }
        }
        st.revision = revision;
        schedule_sync(self, 0);
      },
      [=](events_atom, const EventBatchPtr& batch) { on_events(self, *batch); },
      [=](term_atom, raft::Term term) { self->state.term = std::max(self->state.term, term); },
      [=](sync_atom) { sync(self); },
      [=](progress_atom) {
        notify_progress(self);
        self->delayed_send(self, std::chrono::milliseconds(self->state.args.progress_notify_ms),
                           progress_atom::value);
      },
      [=](watch_atom, const WatchCommandPtr& c) {
        auto& st = self->state;
        switch (c->op) {
          case WatchCommand::Op::create:
            create(self, *c);
            break;
          case WatchCommand::Op::cancel: {
            auto s = st.streams.find(c->stream);
            if (s == st.streams.end()) break;
            auto it = s->second.by_id.find(c->watch_id);
            if (it == s->second.by_id.end()) break;  // etcd answers nothing for an unknown id
            remove_watch(st, it->second);
            auto r = response(st, c->watch_id, st.revision);
            r->set_canceled(true);
            c->sink->write(std::move(r));
            break;
          }
          case WatchCommand::Op::progress:
            c->sink->write(response(st, invalid_watch_id, st.revision));
            break;
          case WatchCommand::Op::drop_stream: {
            auto s = st.streams.find(c->stream);
            if (s == st.streams.end()) break;
            std::vector<watch::WatcherId> ids;
            for (const auto& [id, wid] : s->second.by_id) ids.push_back(wid);
            for (auto wid : ids) remove_watch(st, wid);
            st.streams.erase(s);
            break;
          }
        }
      },
      [=](status_atom) {
        auto& st = self->state;
        return std::make_tuple(static_cast<std::int64_t>(st.watches.size()),
                               static_cast<std::int64_t>(st.index.unsynced().size()));
      },
  };
}

}  // namespace acord::actors
