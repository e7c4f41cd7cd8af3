#pragma once
// Writes a database file in bbolt's format (go.etcd.io/bbolt, the store
// etcd 3.4 keeps its backend in): what `etcdctl snapshot save` receives from a
// member, and what `etcdctl snapshot status` / `snapshot restore` open.
//
// The layout, as bbolt reads it: pages of `page_size` bytes; pages 0 and 1
// hold the meta (magic, version 2, the root bucket's page, the freelist's
// page, the page count, a transaction id, an FNV-64a checksum), page 2 an
// empty freelist, then each bucket's B+tree: leaf pages of sorted key/value
// elements, branch pages above them when one page does not hold a bucket,
// and the root bucket's leaf, whose elements name each bucket and its root
// page. A page that must hold one element larger than a page overflows into
// the pages after it, as bbolt allows.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace acord::storage {

// Bucket name -> its keys and values (any order; the file sorts them).
using BboltBuckets = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

std::string write_bbolt(const BboltBuckets& buckets, std::uint32_t page_size = 4096);

}  // namespace acord::storage
