#include "lock_clients.hpp"

#include <random>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "workload.hpp"

namespace acord::fault {

using namespace etcdserverpb;

namespace {

std::unique_ptr<grpc::ClientContext> within(std::chrono::milliseconds d) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + d);
  return c;
}

// One client's session: a lease kept alive by a thread of its own.
class Session {
 public:
  Session(const std::shared_ptr<grpc::Channel>& channel, std::atomic<bool>& stop) : stop_(stop) {
    lease_ = Lease::NewStub(channel);
    LeaseGrantRequest q;
    q.set_ttl(2);
    LeaseGrantResponse r;
    if (!lease_->LeaseGrant(within(std::chrono::seconds(2)).get(), q, &r).ok()) return;
    id_ = r.id();
    keeper_ = std::thread([this] {
      while (!stop_ && !done_) {
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
        auto s = lease_->LeaseKeepAlive(&c);
        LeaseKeepAliveRequest k;
        k.set_id(id_);
        LeaseKeepAliveResponse a;
        if (!s->Write(k) || !s->Read(&a) || a.ttl() <= 0) {
          expired_ = true;  // as far as this client knows: stop using the lease
        }
        s->WritesDone();
        c.TryCancel();
        s->Finish();
        for (int i = 0; i < 25 && !stop_ && !done_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~Session() {
    done_ = true;
    if (keeper_.joinable()) keeper_.join();
    if (id_ != 0) {
      LeaseRevokeRequest q;
      q.set_id(id_);
      LeaseRevokeResponse r;
      lease_->LeaseRevoke(within(std::chrono::seconds(1)).get(), q, &r);
    }
  }
  std::int64_t id() const { return id_; }
  bool usable() const { return id_ != 0 && !expired_; }

 private:
  std::atomic<bool>& stop_;
  std::unique_ptr<Lease::Stub> lease_;
  std::int64_t id_ = 0;
  std::atomic<bool> done_{false}, expired_{false};
  std::thread keeper_;
};

// Waits until `key` is deleted (or the deadline passes).
void wait_deleted(Watch::Stub& watch, const std::string& key, std::int64_t from, std::atomic<bool>& stop) {
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  auto s = watch.Watch(&c);
  WatchRequest q;
  q.mutable_create_request()->set_key(key);
  q.mutable_create_request()->set_start_revision(from);
  if (!s->Write(q)) return;
  WatchResponse r;
  while (!stop && s->Read(&r)) {
    for (const auto& e : r.events()) {
      if (e.type() == mvccpb::Event::DELETE) {
        c.TryCancel();
        s->Finish();
        return;
      }
    }
    if (r.canceled()) break;
  }
  c.TryCancel();
  s->Finish();
}

}  // namespace

LockClients::LockClients(std::vector<std::string> endpoints, int clients, std::uint64_t seed)
    : endpoints_(std::move(endpoints)), clients_(clients), seed_(seed) {}

LockClients::~LockClients() { stop(); }

void LockClients::start() {
  for (int i = 0; i < clients_; ++i) threads_.emplace_back([this, i] { loop(i); });
}

void LockClients::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void LockClients::loop(int id) {
  std::mt19937_64 rng(seed_ * 7919 + static_cast<std::uint64_t>(id));
  while (!stop_) {
    auto channel = fast_channel(endpoints_[rng() % endpoints_.size()]);
    auto kv = KV::NewStub(channel);
    auto watch = Watch::NewStub(channel);
    Session session(channel, stop_);
    while (!stop_ && session.usable()) {
      // Lock: create my key with my lease, unless it is there already.
      char hex[32];
      std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(session.id()));
      const std::string mine = lock_prefix + hex;
      TxnRequest t;
      auto* cmp = t.add_compare();
      cmp->set_key(mine);
      cmp->set_target(Compare::CREATE);
      cmp->set_result(Compare::EQUAL);
      cmp->set_create_revision(0);
      auto* p = t.add_success()->mutable_request_put();
      p->set_key(mine);
      p->set_lease(session.id());
      t.add_failure()->mutable_request_range()->set_key(mine);
      TxnResponse tr;
      if (!kv->Txn(within(std::chrono::seconds(2)).get(), t, &tr).ok()) break;
      std::int64_t my_rev = tr.header().revision();
      if (!tr.succeeded()) {
        const auto& rr = tr.responses(0).response_range();
        if (rr.kvs_size() != 1) break;
        my_rev = rr.kvs(0).create_revision();
      }
      // Wait for every earlier key under the prefix to go.
      bool acquired = false;
      while (!stop_ && session.usable()) {
        RangeRequest r;
        r.set_key(lock_prefix);
        r.set_range_end("lock0");
        r.set_max_create_revision(my_rev - 1);
        r.set_sort_target(RangeRequest::CREATE);
        r.set_sort_order(RangeRequest::DESCEND);
        r.set_limit(1);
        RangeResponse out;
        if (!kv->Range(within(std::chrono::seconds(2)).get(), r, &out).ok()) break;
        if (out.kvs_size() == 0) {
          acquired = true;
          break;
        }
        wait_deleted(*watch, out.kvs(0).key(), out.header().revision() + 1, stop_);
      }
      if (!acquired) break;
      ++acquisitions_;
      // Fenced writes while holding the lock.
      for (int n = 0; n < 3 && !stop_; ++n) {
        TxnRequest f;
        auto* c = f.add_compare();
        c->set_key(mine);
        c->set_target(Compare::CREATE);
        c->set_result(Compare::EQUAL);
        c->set_create_revision(my_rev);
        auto* w = f.add_success()->mutable_request_put();
        w->set_key(fence_key);
        w->set_value(std::to_string(my_rev) + " " + std::to_string(id) + " " + std::to_string(n));
        TxnResponse fr;
        kv->Txn(within(std::chrono::seconds(2)).get(), f, &fr);
      }
      // Unlock.
      DeleteRangeRequest d;
      d.set_key(mine);
      DeleteRangeResponse dr;
      if (!kv->DeleteRange(within(std::chrono::seconds(2)).get(), d, &dr).ok()) break;
    }
    if (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // pace new sessions
  }
}

std::size_t count_lock_overlaps(const std::string& endpoint, std::size_t* writes) {
  std::vector<std::int64_t> lock_revisions;
  // The range holds the fence and its end marker.
  for (const auto& e : history_until(endpoint, fence_key, "fencf", fence_end_marker)) {
    lock_revisions.push_back(std::stoll(e.value));
  }
  std::size_t overlaps = 0;
  for (std::size_t i = 1; i < lock_revisions.size(); ++i) overlaps += lock_revisions[i] < lock_revisions[i - 1] ? 1 : 0;
  if (writes) *writes = lock_revisions.size();
  return overlaps;
}

}  // namespace acord::fault
