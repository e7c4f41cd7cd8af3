// The state machine shared by the apply actor and the client threads
// (actors/shared_machine.hpp): a waiting writer holds new readers off, and
// what a client thread reads is a whole batch's state, never half of one.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "actors/shared_machine.hpp"
#include "etcdserverpb/rpc.pb.h"

using namespace acord;
using namespace etcdserverpb;

namespace {

constexpr std::uint64_t self_id = 0xa1;

std::unique_ptr<apply::StateMachine> make_machine() {
  apply::Config c;
  c.identity = storage::Identity{self_id, 0xc1, "n1"};
  c.quota_bytes = 1 << 20;
  return std::make_unique<apply::StateMachine>(c, storage::ApplyState{}, std::vector<mvcc::Record>{},
                                               std::vector<storage::LeaseRecord>{}, 0);
}

raft::Entry put_entry(raft::Index index, const std::string& key, const std::string& value) {
  PutRequest put;
  put.set_key(key);
  put.set_value(value);
  protocol::Proposal p;
  p.origin = self_id;
  p.id = index;
  p.kind = protocol::ProposalKind::put;
  p.payload = put.SerializeAsString();
  return raft::Entry{1, index, raft::EntryType::normal, protocol::encode(p)};
}

}  // namespace

TEST_CASE("shared machine: a writer waiting for the lock holds new readers off", "[apply]") {
  actors::WriterFirstMutex mu;
  mu.lock_shared();  // a reader holds it
  std::atomic<bool> written{false};
  std::thread writer([&] {
    mu.lock();
    written = true;
    mu.unlock();
  });
  // Once the writer waits, no new reader gets in (glibc's default lock would
  // let readers in for ever, and the apply actor would starve).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool held_off = false;
  while (!held_off && std::chrono::steady_clock::now() < deadline) {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      std::this_thread::yield();
    } else {
      held_off = true;
    }
  }
  CHECK(held_off);
  CHECK_FALSE(written.load());
  mu.unlock_shared();
  writer.join();
  CHECK(written.load());
  CHECK(mu.try_lock_shared());
  mu.unlock_shared();
}

TEST_CASE("shared machine: client threads read whole batches while the apply thread writes", "[apply]") {
  actors::SharedMachine shared(make_machine());
  // Each batch puts the same value on two keys; a reader that saw half a
  // batch would find them different.
  constexpr int batches = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  auto reader = [&] {
    TxnRequest both;
    for (const char* k : {"a", "b"}) both.add_success()->mutable_request_range()->set_key(k);
    while (!done) {
      TxnResponse out;
      const auto e = shared.read()->read(both, out);
      if (!e.ok() || out.responses_size() != 2) {
        ++torn;
        continue;
      }
      const auto& a = out.responses(0).response_range();
      const auto& b = out.responses(1).response_range();
      if (a.kvs_size() != b.kvs_size() || (a.kvs_size() == 1 && a.kvs(0).value() != b.kvs(0).value())) ++torn;
      ++reads;
    }
  };
  std::thread r1(reader), r2(reader);
  // The readers run before the writes start and while they go on.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reads == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  raft::Index index = 1;
  for (int i = 0; i < batches; ++i) {
    auto machine = shared.write();
    const auto v = std::to_string(i);
    machine->apply(put_entry(index, "a", v), 0);
    ++index;
    machine->apply(put_entry(index, "b", v), 0);
    ++index;
  }
  done = true;
  r1.join();
  r2.join();
  CHECK(torn.load() == 0);
  CHECK(reads.load() > 0);
  RangeRequest last;
  last.set_key("b");
  RangeResponse out;
  REQUIRE(shared.read()->read(last, out).ok());
  REQUIRE(out.kvs_size() == 1);
  CHECK(out.kvs(0).value() == std::to_string(batches - 1));
  CHECK(out.header().revision() == 2 * batches + 1);
}

TEST_CASE("shared machine: a client thread's try_read and try_write never wait, and get in once the lock is free",
          "[apply]") {
  actors::SharedMachine shared(make_machine());
  {
    auto writing = shared.write();  // the apply actor holds it
    CHECK_FALSE(shared.try_read().has_value());
    CHECK_FALSE(shared.try_write().has_value());
  }
  {
    auto reading = shared.read();  // another client thread reads
    auto second = shared.try_read();
    CHECK(second.has_value());
    CHECK_FALSE(shared.try_write().has_value());
  }
  auto renewing = shared.try_write();
  REQUIRE(renewing.has_value());
  CHECK_FALSE(shared.try_read().has_value());
  renewing.reset();  // the guard lets go when it ends
  auto after = shared.try_read();
  REQUIRE(after.has_value());
  RangeRequest r;
  r.set_key("a");
  RangeResponse out;
  CHECK((*after)->read(r, out).ok());
}
