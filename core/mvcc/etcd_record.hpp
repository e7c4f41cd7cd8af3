#pragma once
// An MVCC record as etcd's backend stores it in its "key" bucket: the key is
// the revision (main, '_', sub: 17 bytes, big-endian, plus a 't' for a
// tombstone), the value the key-value marshaled as mvccpb.KeyValue (only the
// key for a tombstone). HashKV hashes these bytes; a snapshot file holds them,
// and a snapshot etcd wrote is read back through the parsers.
#include <optional>
#include <string>

#include "core/mvcc/mvcc_store.hpp"

namespace acord::mvcc {

std::string etcd_revision_key(const Revision& r, bool tombstone);
std::string etcd_record_value(const Record& r);

// nullopt: not a revision key (etcd also writes its compaction marks so).
std::optional<Revision> parse_etcd_revision_key(const std::string& key, bool& tombstone);
// nullopt: the key or the value is not a record.
std::optional<Record> parse_etcd_record(const std::string& key, const std::string& value);

}  // namespace acord::mvcc
