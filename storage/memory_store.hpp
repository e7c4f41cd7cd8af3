#pragma once
// The in-memory twin of RocksStore, for deterministic tests. It keeps the
// state as of the last sync apart from the state with every write, so a test
// can cut the power (power_cut) and see what a real disk would have kept.
#include <functional>
#include <map>
#include <mutex>

#include "storage/store.hpp"

namespace acord::storage {

class MemoryStore final : public Store {
 public:
  bool load(Loaded& out, std::string& error) override;
  bool write(const WriteSet& w, std::string& error) override;
  std::uint64_t size_bytes() override;
  std::optional<std::string> value_at(const mvcc::Revision& revision) const override;

  // Forgets every write since the last sync.
  void power_cut() {
    std::lock_guard lock(mutex_);
    current_ = durable_;
  }
  // Called with each write after it is applied (tests watch the order).
  std::function<void(const WriteSet&)> on_write;
  // Values read back through value_at (tests see values leave memory).
  std::uint64_t value_reads() const {
    std::lock_guard lock(mutex_);
    return value_reads_;
  }

 private:
  struct State {
    std::optional<Identity> identity;
    std::uint64_t start_epoch = 0;
    raft::HardState hard_state;
    LogStart log_start;
    std::map<raft::Index, raft::Entry> log;
    std::map<mvcc::Revision, mvcc::Record> mvcc;
    std::map<std::int64_t, LeaseRecord> leases;
    ApplyState apply_state;
  };
  State current_, durable_;
  mutable std::uint64_t value_reads_ = 0;
  mutable std::mutex mutex_;  // value_at() comes from another thread than write()
};

}  // namespace acord::storage
