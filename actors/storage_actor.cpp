#include "actors/storage_actor.hpp"

#include <cstdio>
#include <cstdlib>

namespace acord::actors {

caf::behavior storage_actor(caf::event_based_actor* self, storage::Store* store) {
  return {
      [=](write_atom, const WriteSetPtr& w) -> bool {
        std::string err;
        if (!store->write(*w, err)) {
          std::fprintf(stderr, "acord: fatal: the data directory refused a write: %s\n", err.c_str());
          std::_Exit(2);
        }
        return true;
      },
  };
}

}  // namespace acord::actors
