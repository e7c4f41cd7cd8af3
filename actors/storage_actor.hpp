#pragma once
// The storage actor: the only writer to RocksDB. It runs on its own thread
// (fsync blocks) and answers each write with `true` once it is on disk (for a
// sync write: durable). A failed write stops the node: acknowledging anything
// after the disk refused a write could lose it.
#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace acord::actors {

caf::behavior storage_actor(caf::event_based_actor* self, storage::Store* store);

}  // namespace acord::actors
