#include "actors/storage_actor.hpp"

#include "actors/log.hpp"

namespace acord::actors {

caf::behavior storage_actor(caf::event_based_actor* self, storage::Store* store) {
  return {
      [=](write_atom, const WriteSetPtr& w) -> bool {
        std::string err;
        if (!store->write(*w, err)) log_fatal("the data directory refused a write: " + err);
        return true;
      },
  };
}

}  // namespace acord::actors
