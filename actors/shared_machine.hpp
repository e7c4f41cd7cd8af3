#pragma once
// The state machine as the apply actor and the client threads share it. The
// apply actor applies committed entries; a client thread serves, without a
// hop to any actor, what needs only the state already applied: a
// serializable read, and a keep-alive on the leader. Every hop across threads
// costs a wake-up (a futex round trip), and one client waiting on each answer
// pays for all of them (issue #16: get1, keepalive1).
//
// One lock guards it: applying a batch, a keep-alive's renewal and whatever
// else changes the machine hold it alone; reads share it. Writers go first
// (a stream of reads never holds the apply actor off), and nobody holds it
// while answering a client. The apply actor, which sends the watch actor a
// batch's events before it lets go (so no client reads a revision the watch
// actor has not heard of), may wait on one of CAF's threads for a long read
// to end: a read's cost is one client's, as it is in etcd.
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <utility>

#include "apply/state_machine.hpp"

namespace acord::actors {

// A reader-writer lock whose waiting writers stop new readers (glibc's
// default lets readers starve a writer).
class WriterFirstMutex {
 public:
  WriterFirstMutex() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~WriterFirstMutex() { pthread_rwlock_destroy(&lock_); }
  WriterFirstMutex(const WriterFirstMutex&) = delete;
  WriterFirstMutex& operator=(const WriterFirstMutex&) = delete;
  void lock() { pthread_rwlock_wrlock(&lock_); }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }

 private:
  pthread_rwlock_t lock_;
};

class SharedMachine {
 public:
  // Access to the machine while the guard lives: const for a reader.
  template <class Machine, bool exclusive>
  class Guard {
   public:
    Guard(Machine& m, WriterFirstMutex& mu) : machine_(&m), mu_(&mu) {
      if constexpr (exclusive) {
        mu_->lock();
      } else {
        mu_->lock_shared();
      }
    }
    // A lock already taken (by a try_ below).
    Guard(Machine& m, WriterFirstMutex& mu, std::adopt_lock_t) : machine_(&m), mu_(&mu) {}
    ~Guard() { release(); }
    Guard(Guard&& o) noexcept : machine_(std::exchange(o.machine_, nullptr)), mu_(o.mu_) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Machine* operator->() const { return machine_; }
    Machine& operator*() const { return *machine_; }
    // Lets go before the guard ends (to answer a client without the lock).
    void release() {
      if (machine_ == nullptr) return;
      machine_ = nullptr;
      if constexpr (exclusive) {
        mu_->unlock();
      } else {
        mu_->unlock_shared();
      }
    }

   private:
    Machine* machine_;
    WriterFirstMutex* mu_;
  };
  using Reader = Guard<const apply::StateMachine, false>;
  using Writer = Guard<apply::StateMachine, true>;

  explicit SharedMachine(std::unique_ptr<apply::StateMachine> machine) : machine_(std::move(machine)) {}

  Reader read() const { return Reader(*machine_, mu_); }
  Writer write() { return Writer(*machine_, mu_); }
  // The same without waiting: nothing if the lock is not free now. A thread
  // that serves every client of a gRPC queue must not wait behind the apply
  // actor's batch: what it cannot serve at once goes to the actors.
  std::optional<Reader> try_read() const {
    if (!mu_.try_lock_shared()) return std::nullopt;
    return std::optional<Reader>(std::in_place, *machine_, mu_, std::adopt_lock);
  }
  std::optional<Writer> try_write() {
    if (!mu_.try_lock()) return std::nullopt;
    return std::optional<Writer>(std::in_place, *machine_, mu_, std::adopt_lock);
  }

 private:
  mutable WriterFirstMutex mu_;
  std::unique_ptr<apply::StateMachine> machine_;
};
using SharedMachinePtr = std::shared_ptr<SharedMachine>;

}  // namespace acord::actors
