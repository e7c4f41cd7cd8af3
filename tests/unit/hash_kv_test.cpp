// etcd's HashKV over the MVCC store: the checksum, what it covers, its errors.
#include <catch2/catch.hpp>

#include "core/mvcc/crc32c.hpp"
#include "core/mvcc/hash_kv.hpp"

using namespace acord::mvcc;

namespace {
void put(MvccStore& s, const std::string& k, const std::string& v) {
  s.begin_write();
  s.put(k, v, 0);
  s.end_write();
}
void del(MvccStore& s, const std::string& k) {
  s.begin_write();
  s.delete_range(k, "");
  s.end_write();
}
}  // namespace

TEST_CASE("CRC-32C gives the standard check value", "[hashkv]") {
  Crc32c c;
  c.update("123456789");
  CHECK(c.value() == 0xE3069283u);  // the Castagnoli check value (RFC 3720)
  Crc32c split;
  split.update("1234");
  split.update("56789");
  CHECK(split.value() == c.value());
}

TEST_CASE("HashKV: same writes give the same hash, and any difference in the records changes it", "[hashkv]") {
  MvccStore a, b, c;
  for (auto* s : {&a, &b, &c}) {
    put(*s, "foo", "bar");
    put(*s, "baz", "qux");
    del(*s, "foo");
  }
  put(a, "k", "v");
  put(b, "k", "v");
  put(c, "k", "w");  // the same key and revision, another value
  auto ha = hash_kv(a, 0), hb = hash_kv(b, 0), hc = hash_kv(c, 0);
  CHECK(ha.error == Error::none);
  CHECK(ha.revision == 5);
  CHECK(ha.hash == hb.hash);
  CHECK(ha.hash != hc.hash);
  // Up to the revision before the last write, a and c agree.
  CHECK(hash_kv(a, 4).hash == hash_kv(c, 4).hash);
  CHECK(hash_kv(a, 4).revision == 5);  // the header still names the current revision
  // The tombstone counts: without the delete the hash at its revision differs.
  MvccStore d;
  put(d, "foo", "bar");
  put(d, "baz", "qux");
  put(d, "x", "y");
  CHECK(hash_kv(d, 4).hash != hash_kv(a, 4).hash);
  CHECK(hash_kv(d, 3).hash == hash_kv(a, 3).hash);
}

TEST_CASE("HashKV refuses a compacted or future revision, as etcd's", "[hashkv]") {
  MvccStore s;
  put(s, "a", "1");
  put(s, "a", "2");
  put(s, "a", "3");
  REQUIRE(s.compact(3) == Error::none);
  CHECK(hash_kv(s, 3).error == Error::compacted);
  CHECK(hash_kv(s, 2).error == Error::compacted);
  CHECK(hash_kv(s, 3).compact_revision == 3);
  CHECK(hash_kv(s, 5).error == Error::future_revision);
  CHECK(hash_kv(s, 4).error == Error::none);
  CHECK(hash_kv(s, 0).hash == hash_kv(s, 4).hash);
}
