#include "workload.hpp"

#include "etcdserverpb/rpc.grpc.pb.h"

namespace acord::fault {

using namespace etcdserverpb;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<grpc::Channel> fast_channel(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

std::vector<SeenEvent> history_until(const std::string& endpoint, const std::string& key, const std::string& end,
                                     const std::string& marker) {
  std::vector<SeenEvent> out;
  auto stub = Watch::NewStub(fast_channel(endpoint));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = stub->Watch(&ctx);
  WatchRequest q;
  q.mutable_create_request()->set_key(key);
  q.mutable_create_request()->set_range_end(end);
  q.mutable_create_request()->set_start_revision(1);
  stream->Write(q);
  WatchResponse r;
  bool done = false;
  while (!done && stream->Read(&r)) {
    for (const auto& e : r.events()) {
      if (e.kv().key() == marker) {
        done = true;
        break;
      }
      out.push_back(SeenEvent{e.kv().mod_revision(), e.type() == mvccpb::Event::PUT, e.kv().key(), e.kv().value()});
    }
  }
  ctx.TryCancel();
  return out;
}

Workload::Workload(std::vector<std::string> endpoints, int clients, int watchers, int keys, std::uint64_t seed)
    : endpoints_(std::move(endpoints)), clients_(clients), watchers_(watchers), keys_(keys), seed_(seed) {
  watched_.resize(static_cast<std::size_t>(watchers));
  for (int i = 0; i < watchers; ++i) watch_contexts_.push_back(nullptr);
}

Workload::~Workload() { stop(); }

void Workload::start() {
  for (int i = 0; i < clients_; ++i) threads_.emplace_back([this, i] { client_loop(i); });
  for (int i = 0; i < watchers_; ++i) threads_.emplace_back([this, i] { watcher_loop(i); });
}

void Workload::stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : watch_contexts_) {
      if (c) c->TryCancel();
    }
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::vector<Op> Workload::history() const {
  std::lock_guard<std::mutex> lock(mu_);
  return history_;
}
std::vector<std::vector<SeenEvent>> Workload::watched() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watched_;
}

namespace {

constexpr auto op_deadline = std::chrono::seconds(2);

std::unique_ptr<grpc::ClientContext> deadline_ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + op_deadline);
  return c;
}

}  // namespace

void Workload::client_loop(int id) {
  std::mt19937_64 rng(seed_ * 1000003 + static_cast<std::uint64_t>(id));
  std::vector<std::unique_ptr<KV::Stub>> stubs;
  for (const auto& e : endpoints_) stubs.push_back(KV::NewStub(fast_channel(e)));
  std::vector<std::optional<std::string>> last_read(static_cast<std::size_t>(keys_));
  for (int n = 0; !stop_; ++n) {
    const auto member = rng() % stubs.size();
    auto& kv = *stubs[member];
    const int k = static_cast<int>(rng() % static_cast<std::uint64_t>(keys_));
    Op op;
    op.client = id;
    op.member = static_cast<int>(member);
    op.key = key_prefix + std::to_string(k);
    const auto dice = rng() % 10;
    op.kind = dice < 4 ? OpKind::get : dice < 7 ? OpKind::put : dice < 9 ? OpKind::cas : OpKind::del;
    op.value = "c" + std::to_string(id) + "-" + std::to_string(n);  // unique: lost writes can be found
    grpc::Status status;
    std::int64_t revision = 0;
    op.invoked_ns = now_ns();
    switch (op.kind) {
      case OpKind::get: {
        RangeRequest r;
        r.set_key(op.key);
        RangeResponse out;
        status = kv.Range(deadline_ctx().get(), r, &out);
        if (status.ok() && out.kvs_size() == 1) op.read = out.kvs(0).value();
        revision = out.header().revision();
        break;
      }
      case OpKind::put: {
        PutRequest r;
        r.set_key(op.key);
        r.set_value(op.value);
        PutResponse out;
        status = kv.Put(deadline_ctx().get(), r, &out);
        revision = out.header().revision();
        break;
      }
      case OpKind::del: {
        DeleteRangeRequest r;
        r.set_key(op.key);
        DeleteRangeResponse out;
        status = kv.DeleteRange(deadline_ctx().get(), r, &out);
        op.flag = out.deleted() > 0;
        revision = out.header().revision();
        break;
      }
      case OpKind::cas: {
        // Swap from the value this client last read (absent: create only).
        op.expected = last_read[static_cast<std::size_t>(k)];
        TxnRequest t;
        auto* c = t.add_compare();
        c->set_key(op.key);
        if (op.expected) {
          c->set_target(Compare::VALUE);
          c->set_result(Compare::EQUAL);
          c->set_value(*op.expected);
        } else {
          c->set_target(Compare::CREATE);  // absent: create revision 0
          c->set_result(Compare::EQUAL);
          c->set_create_revision(0);
        }
        auto* p = t.add_success()->mutable_request_put();
        p->set_key(op.key);
        p->set_value(op.value);
        TxnResponse out;
        status = kv.Txn(deadline_ctx().get(), t, &out);
        op.flag = out.succeeded();
        revision = out.header().revision();
        break;
      }
    }
    op.completed_ns = now_ns();
    if (status.ok()) {
      op.outcome = Outcome::ok;
      op.revision = revision;
      if (op.kind == OpKind::get) last_read[static_cast<std::size_t>(k)] = op.read;
    } else {
      // A read that failed had no effect; a write that failed may still take
      // effect (it may be in the log): its outcome is unknown.
      op.outcome = op.kind == OpKind::get ? Outcome::failed : Outcome::unknown;
    }
    std::lock_guard<std::mutex> lock(mu_);
    history_.push_back(std::move(op));
  }
}

void Workload::watcher_loop(int id) {
  std::int64_t next = 1;
  std::size_t member = static_cast<std::size_t>(id);
  while (!stop_) {
    auto channel = fast_channel(endpoints_[member % endpoints_.size()]);
    auto stub = Watch::NewStub(channel);
    auto ctx = std::make_shared<grpc::ClientContext>();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      watch_contexts_[static_cast<std::size_t>(id)] = ctx;
    }
    auto stream = stub->Watch(ctx.get());
    WatchRequest q;
    auto* c = q.mutable_create_request();
    c->set_key(key_prefix);
    c->set_range_end(key_prefix_end);
    c->set_start_revision(next);
    stream->Write(q);
    WatchResponse r;
    while (stream->Read(&r)) {
      if (r.canceled()) break;
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& e : r.events()) {
        watched_[static_cast<std::size_t>(id)].push_back(
            SeenEvent{e.kv().mod_revision(), e.type() == mvccpb::Event::PUT, e.kv().key(), e.kv().value()});
        next = e.kv().mod_revision() + 1;
      }
    }
    ++member;  // the stream broke (or the member went away): resume elsewhere
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // pace reconnects, not a wait for a condition
  }
}

}  // namespace acord::fault
