#pragma once
// Reads a bbolt database file (the format storage/bbolt_file.hpp writes, and
// etcd's own backend): the newest valid meta page, then every top-level
// bucket's keys and values through its B+tree (branch and leaf pages, pages
// that overflow, buckets stored inline in their parent's leaf).
#include <optional>
#include <string>

#include "storage/bbolt_file.hpp"

namespace acord::storage {

// The buckets and their keys in key order; nullopt with `error` naming what
// is wrong when the bytes are not a bbolt file this can read.
std::optional<BboltBuckets> read_bbolt(const std::string& file, std::string& error);

}  // namespace acord::storage
