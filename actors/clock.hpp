#pragma once
// The actors' one clock for the pure cores that take time as an argument
// (the lease table): this process's monotonic milliseconds.
#include <chrono>
#include <cstdint>

namespace acord::actors {

inline std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace acord::actors
