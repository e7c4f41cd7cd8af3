#pragma once
// A snapshot: the whole state machine (MVCC records, leases, applied state) as
// of one applied index, as bytes that travel to a member too far behind the
// leader's log. Versioned msgpack, built from the same record encodings the
// data directory uses.
#include <optional>
#include <string>
#include <vector>

#include "storage/codec.hpp"

namespace acord::storage {

struct Snapshot {
  ApplyState state;  // state.applied_index is the snapshot's index
  std::vector<mvcc::Record> records;
  std::vector<LeaseRecord> leases;
};

std::string encode(const Snapshot& s);
std::optional<Snapshot> decode_snapshot(const std::string& bytes);

}  // namespace acord::storage
