#pragma once
// Lock sections in the fault test, by the recipe `etcdctl lock` uses
// (clientv3/concurrency's Mutex): each client holds a lease it keeps alive;
// to lock, it creates the key <prefix><lease id> with that lease, and waits
// until every key under the prefix created before its own has been deleted.
// While it holds the lock it writes to a shared key, fenced: the write happens
// only if its lock key still exists with the create revision it locked with.
// Afterwards the fenced writes, in store order, must carry non-decreasing lock
// revisions: a lower one after a higher one means two holders overlapped.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

namespace acord::fault {

inline const std::string lock_prefix = "lock/";
inline const std::string fence_key = "fence";
// Written once every client has stopped: reading the fence's history stops here.
inline const std::string fence_end_marker = "fence~end";

class LockClients {
 public:
  LockClients(std::vector<std::string> endpoints, int clients, std::uint64_t seed);
  ~LockClients();
  void start();
  void stop();
  int acquisitions() const { return acquisitions_; }

 private:
  void loop(int id);
  std::vector<std::string> endpoints_;
  int clients_;
  std::uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acquisitions_{0};
  std::vector<std::thread> threads_;
};

// The fenced writes' lock revisions as the store ordered them (read from the
// fence key's history on `endpoint`, up to the end marker), and how many of
// them went backwards.
std::size_t count_lock_overlaps(const std::string& endpoint, std::size_t* writes);

}  // namespace acord::fault
